<?php
/**
 * Site Health: the "Dataverse connection" test and debug information.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

use Wpcrm\Connect\Admin\Notices;
use Wpcrm\Connect\Admin\Settings_Page;
use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Messages;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Verifier;

/**
 * A direct test that reports the stored result (it does not call Microsoft while Site Health loads),
 * and a debug section with masked values.
 */
final class Site_Health {

	public const TEST = 'wpcrm_connection';

	/** A secret expiring within this many days is reported. */
	public const EXPIRY_WARNING_DAYS = 30;

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

	/**
	 * Settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Verifier.
	 *
	 * @var Verifier
	 */
	private $verifier;

	/**
	 * Constructor.
	 *
	 * @param Extension $extension Extension.
	 * @param Settings  $settings  Settings.
	 * @param Verifier  $verifier  Verifier.
	 */
	public function __construct( Extension $extension, Settings $settings, Verifier $verifier ) {
		$this->extension = $extension;
		$this->settings  = $settings;
		$this->verifier  = $verifier;
	}

	/**
	 * Hooks the test and the debug data.
	 */
	public function register(): void {
		add_filter( 'site_status_tests', array( $this, 'add_test' ) );
		add_filter( 'site_status_tests', array( new Drift(), 'add_test' ) );
		add_filter( 'debug_information', array( $this, 'debug_information' ) );
	}

	/**
	 * Adds the direct test.
	 *
	 * @param array $tests Tests.
	 * @return array
	 */
	public function add_test( $tests ) {
		$tests['direct'][ self::TEST ] = array(
			'label' => __( 'Dataverse connection', 'wpcrm-connect' ),
			'test'  => array( $this, 'test' ),
		);
		return $tests;
	}

	/**
	 * The test result.
	 *
	 * @return array Site Health result.
	 */
	public function test(): array {
		$link    = sprintf(
			'<p><a href="%s">%s</a></p>',
			esc_url( admin_url( 'options-general.php?page=' . Settings_Page::SLUG ) ),
			esc_html__( 'Open Settings → Dataverse Connection', 'wpcrm-connect' )
		);
		$result  = array(
			'label'       => __( 'The Dataverse connection works', 'wpcrm-connect' ),
			'status'      => 'good',
			'badge'       => array(
				'label' => __( 'Dataverse', 'wpcrm-connect' ),
				'color' => 'blue',
			),
			'description' => '',
			'actions'     => $link,
			'test'        => self::TEST,
		);
		$details = array();

		if ( ! $this->extension->available() ) {
			$result['status']      = 'critical';
			$result['badge']['color'] = 'red';
			$result['label']       = __( 'The wpcrm PHP extension is not loaded', 'wpcrm-connect' );
			$result['description'] = '<p>' . wp_kses( Notices::extension_missing_message(), array( 'code' => array() ) ) . '</p>';
			return $result;
		}

		$schedule_error = get_option( Daily_Check::SCHEDULE_ERROR_OPTION, '' );
		if ( is_string( $schedule_error ) && '' !== $schedule_error ) {
			$result['status'] = 'recommended';
			$details[]        = sprintf(
				/* translators: %s: the error WordPress gave when scheduling. */
				__( 'The daily connection check could not be scheduled: %s', 'wpcrm-connect' ),
				$schedule_error
			);
		}

		$last = $this->verifier->last();
		if ( null === $last ) {
			$result['status'] = 'recommended';
			$result['label']  = __( 'The Dataverse connection has not been checked yet', 'wpcrm-connect' );
			$details[]        = __( 'Press "Verify connection" on the settings page, or wait for the daily check.', 'wpcrm-connect' );
		} else {
			$last['report'] = Messages::localize_report( $last['report'] );
			$status         = Verifier::status( $last['report'] );
			$when   = wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) $last['checked_at'] );
			if ( 'fail' === $status ) {
				$result['status'] = 'critical';
				/* translators: %s: date and time of the last check. */
				$result['label'] = sprintf( __( 'The Dataverse connection failed its last check (%s)', 'wpcrm-connect' ), $when );
				foreach ( Verifier::checks_with( $last['report'], 'fail' ) as $check ) {
					$details[] = trim( ( $check['title'] ?? '' ) . ': ' . ( $check['detail'] ?? '' ) . ( empty( $check['fix'] ) ? '' : ' ' . __( 'How to fix:', 'wpcrm-connect' ) . ' ' . $check['fix'] ) );
				}
			} else {
				if ( 'warn' === $status && 'good' === $result['status'] ) {
					$result['status'] = 'recommended';
				}
				/* translators: %s: date and time of the last check. */
				$details[] = sprintf( __( 'Last checked %s.', 'wpcrm-connect' ), $when );
				foreach ( Verifier::checks_with( $last['report'], 'warn' ) as $check ) {
					if ( 'secret_expiry' !== ( $check['id'] ?? '' ) ) {
						$details[] = trim( ( $check['title'] ?? '' ) . ': ' . ( $check['detail'] ?? '' ) );
					}
				}
			}
		}

		$days = $this->days_until_secret_expiry();
		if ( null !== $days && $days <= self::EXPIRY_WARNING_DAYS ) {
			if ( $days < 0 ) {
				$result['status'] = 'critical';
				$details[]        = __( 'The client secret has expired. Create a new one (or run "Set up automatically" again) and save it.', 'wpcrm-connect' );
			} else {
				if ( 'good' === $result['status'] ) {
					$result['status'] = 'recommended';
				}
				$details[] = sprintf(
					/* translators: %d: number of days. */
					_n( 'The client secret expires in %d day. Create a new one before then and save it.', 'The client secret expires in %d days. Create a new one before then and save it.', $days, 'wpcrm-connect' ),
					$days
				);
			}
			if ( 'good' !== $result['status'] && null !== $last && 'fail' !== Verifier::status( $last['report'] ) ) {
				$result['label'] = __( 'The Dataverse client secret expires soon', 'wpcrm-connect' );
			}
		}

		$result['badge']['color'] = 'critical' === $result['status'] ? 'red' : ( 'recommended' === $result['status'] ? 'orange' : 'blue' );
		foreach ( $details as $detail ) {
			$result['description'] .= '<p>' . esc_html( $detail ) . '</p>';
		}
		return $result;
	}

	/**
	 * Days until the saved secret expires (negative when expired), or null when unknown.
	 */
	public function days_until_secret_expiry(): ?int {
		$expires = $this->settings->secret_expires_at();
		$time    = null === $expires ? false : strtotime( $expires );
		if ( false === $time ) {
			return null;
		}
		return (int) floor( ( $time - time() ) / DAY_IN_SECONDS );
	}

	/**
	 * Adds the debug section, values masked.
	 *
	 * @param array $info Debug information.
	 * @return array
	 */
	public function debug_information( $info ) {
		$conn = $this->settings->connection();
		$last = $this->verifier->last();
		$next = wp_next_scheduled( Daily_Check::HOOK );

		$info['wpcrm-connect'] = array(
			'label'  => __( 'Dataverse Connection', 'wpcrm-connect' ),
			'fields' => array(
				'extension'      => array(
					'label' => __( 'wpcrm extension', 'wpcrm-connect' ),
					'value' => $this->extension->available() ? (string) ( $this->extension->version() ?? __( 'loaded', 'wpcrm-connect' ) ) : __( 'not loaded', 'wpcrm-connect' ),
				),
				'instance_url'   => array(
					'label' => __( 'Instance URL', 'wpcrm-connect' ),
					'value' => '' !== $conn['instance_url'] ? $conn['instance_url'] : __( 'not set', 'wpcrm-connect' ),
				),
				'application_id' => array(
					'label'   => __( 'Application (client) ID', 'wpcrm-connect' ),
					'value'   => self::mask( $conn['application_id'] ),
					'private' => true,
				),
				'client_secret'  => array(
					'label'   => __( 'Client secret', 'wpcrm-connect' ),
					'value'   => $this->settings->secret_state(),
					'private' => true,
				),
				'secret_expires' => array(
					'label' => __( 'Client secret expires', 'wpcrm-connect' ),
					'value' => (string) ( $this->settings->secret_expires_at() ?? __( 'unknown', 'wpcrm-connect' ) ),
				),
				'key_source'     => array(
					'label' => __( 'Encryption key', 'wpcrm-connect' ),
					'value' => array(
						'constant' => 'WPCRM_CONNECT_KEY',
						'file'     => \Wpcrm\Connect\Key::FILE,
					)[ (string) \Wpcrm\Connect\Key::source() ] ?? __( 'none (define WPCRM_CONNECT_KEY in wp-config.php)', 'wpcrm-connect' ),
				),
				'last_check'     => array(
					'label' => __( 'Last check', 'wpcrm-connect' ),
					'value' => null === $last ? __( 'never', 'wpcrm-connect' ) : Verifier::status( $last['report'] ) . ' ' . gmdate( 'c', (int) $last['checked_at'] ),
				),
				'next_check'     => array(
					'label' => __( 'Next daily check', 'wpcrm-connect' ),
					'value' => $next ? gmdate( 'c', (int) $next ) : __( 'not scheduled', 'wpcrm-connect' ),
				),
			),
		);
		return $info;
	}

	/**
	 * Masks an identifier: first 4 characters and a mask.
	 *
	 * @param string $value Value.
	 */
	public static function mask( string $value ): string {
		if ( '' === $value ) {
			return __( 'not set', 'wpcrm-connect' );
		}
		return substr( $value, 0, 4 ) . str_repeat( '•', 8 );
	}
}
