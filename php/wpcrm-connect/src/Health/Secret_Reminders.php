<?php
/**
 * Reminders before the client secret expires: 30, 14 and 7 days ahead.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

use Wpcrm\Connect\Admin\Settings_Page;
use Wpcrm\Connect\Capabilities;
use Wpcrm\Connect\Settings;

/**
 * Once the saved secret expires within a threshold (30, 14, 7 days): an admin notice and a Site
 * Health result on every request, and one e-mail per threshold to the site's admin address
 * (`admin_email`) through wp_mail, sent by a daily cron job. What was sent is remembered per secret
 * (by its expiry) in an option, so each threshold mails once; a renewed secret starts afresh.
 */
final class Secret_Reminders extends Cron_Job {

	public const HOOK = 'wpcrm_connect_secret_reminders';

	public const RECURRENCE = 'daily';

	public const FIRST_RUN_IN = 10 * MINUTE_IN_SECONDS;

	/** Days before expiry at which the admin is reminded, largest first. */
	public const THRESHOLDS = array( 30, 14, 7 );

	/** Option remembering the e-mails sent: expires_at, sent (threshold => unix time). Not autoloaded. */
	public const OPTION = 'wpcrm_connect_secret_reminders';

	/** Site Health test id. */
	public const TEST = 'wpcrm_connect_secret_expiry';

	/**
	 * Settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Constructor.
	 *
	 * @param Settings $settings Settings.
	 */
	public function __construct( Settings $settings ) {
		$this->settings = $settings;
	}

	/**
	 * Hooks the cron job, the notice and the Site Health test.
	 */
	public function register(): void {
		parent::register();
		add_action( 'admin_notices', array( $this, 'render_notice' ) );
		add_filter( 'site_status_tests', array( $this, 'add_test' ) );
	}

	/**
	 * Whole days until the saved secret expires (negative once expired), or null when unknown.
	 *
	 * @param int|null $now Unix time.
	 */
	public function days_left( ?int $now = null ): ?int {
		$expires = $this->settings->secret_expires_at();
		$time    = null === $expires ? false : strtotime( $expires );
		if ( false === $time ) {
			return null;
		}
		return (int) floor( ( $time - ( $now ?? time() ) ) / DAY_IN_SECONDS );
	}

	/**
	 * The threshold the secret has reached (30, 14 or 7), or null when it is further away or unknown.
	 *
	 * @param int|null $days Days left.
	 */
	public static function threshold( ?int $days ): ?int {
		if ( null === $days ) {
			return null;
		}
		$reached = null;
		foreach ( self::THRESHOLDS as $threshold ) {
			if ( $days <= $threshold ) {
				$reached = $threshold;
			}
		}
		return $reached;
	}

	/**
	 * The cron callback: mails the admin once per threshold reached.
	 *
	 * @param int|null $now Unix time (tests).
	 * @return int|null The threshold mailed about by this run, or null.
	 */
	public function run( ?int $now = null ): ?int {
		$days      = $this->days_left( $now );
		$threshold = self::threshold( $days );
		if ( null === $threshold ) {
			return null;
		}
		$expires = (string) $this->settings->secret_expires_at();
		$record  = get_option( self::OPTION, array() );
		if ( ! is_array( $record ) || ( $record['expires_at'] ?? '' ) !== $expires ) {
			$record = array(
				'expires_at' => $expires,
				'sent'       => array(),
			);
		}
		if ( isset( $record['sent'][ $threshold ] ) ) {
			return null;
		}
		if ( ! $this->mail( (int) $days, $expires ) ) {
			return null;
		}
		// The thresholds already passed count as reminded: a late first run mails once, not thrice.
		foreach ( self::THRESHOLDS as $t ) {
			if ( $t >= $threshold && ! isset( $record['sent'][ $t ] ) ) {
				$record['sent'][ $t ] = $now ?? time();
			}
		}
		update_option( self::OPTION, $record, false );
		return $threshold;
	}

	/**
	 * Sends the reminder to the site's admin address.
	 *
	 * @param int    $days    Days left.
	 * @param string $expires Expiry (ISO 8601).
	 */
	private function mail( int $days, string $expires ): bool {
		$to = (string) get_option( 'admin_email' );
		if ( ! is_email( $to ) ) {
			return false;
		}
		$site    = wp_specialchars_decode( (string) get_bloginfo( 'name' ), ENT_QUOTES );
		$subject = sprintf(
			/* translators: 1: site title, 2: days left. */
			_n( '[%1$s] The Dataverse client secret expires in %2$d day', '[%1$s] The Dataverse client secret expires in %2$d days', max( 0, $days ), 'wpcrm-connect' ),
			$site,
			max( 0, $days )
		);
		$body = $this->message( $days, $expires ) . "\n\n" . sprintf(
			/* translators: %s: URL of the plugin's settings page. */
			__( 'Renew it in one sign-in on %s ("Renew secret"), or run: wp wpcrm renew', 'wpcrm-connect' ),
			$this->page_url()
		);
		return (bool) wp_mail( $to, $subject, $body );
	}

	/**
	 * The reminder text.
	 *
	 * @param int    $days    Days left.
	 * @param string $expires Expiry (ISO 8601).
	 */
	private function message( int $days, string $expires ): string {
		$time = strtotime( $expires );
		$date = false === $time ? $expires : wp_date( (string) get_option( 'date_format' ), $time );
		if ( $days < 0 ) {
			/* translators: %s: date. */
			return sprintf( __( 'The client secret of the Dataverse connection expired on %s: the site can no longer sign in to Dataverse.', 'wpcrm-connect' ), $date );
		}
		return sprintf(
			/* translators: 1: days left, 2: date. */
			_n( 'The client secret of the Dataverse connection expires in %1$d day (%2$s). When it does, the site can no longer sign in to Dataverse.', 'The client secret of the Dataverse connection expires in %1$d days (%2$s). When it does, the site can no longer sign in to Dataverse.', $days, 'wpcrm-connect' ),
			$days,
			$date
		);
	}

	/**
	 * The plugin's settings page.
	 */
	private function page_url(): string {
		return admin_url( 'options-general.php?page=' . Settings_Page::SLUG );
	}

	/**
	 * The admin notice, once a threshold is reached.
	 */
	public function render_notice(): void {
		if ( ! current_user_can( Capabilities::SETUP ) ) {
			return;
		}
		$days      = $this->days_left();
		$threshold = self::threshold( $days );
		if ( null === $threshold ) {
			return;
		}
		printf(
			'<div class="notice %s" id="wpcrm-notice-secret-expiry" data-wpcrm-threshold="%d"><p>%s <a href="%s">%s</a></p></div>',
			esc_attr( $days <= 7 ? 'notice-error' : 'notice-warning' ),
			(int) $threshold,
			esc_html( $this->message( (int) $days, (string) $this->settings->secret_expires_at() ) ),
			esc_url( $this->page_url() . '#wpcrm-renew-button' ),
			esc_html__( 'Renew secret', 'wpcrm-connect' )
		);
	}

	/**
	 * Adds the Site Health test.
	 *
	 * @param array $tests Tests.
	 * @return array
	 */
	public function add_test( $tests ) {
		$tests['direct'][ self::TEST ] = array(
			'label' => __( 'Dataverse client secret expiry', 'wpcrm-connect' ),
			'test'  => array( $this, 'test' ),
		);
		return $tests;
	}

	/**
	 * The Site Health result: good, recommended (within 30 or 14 days) or critical (within 7 days).
	 *
	 * @return array
	 */
	public function test(): array {
		$days      = $this->days_left();
		$threshold = self::threshold( $days );
		$result    = array(
			'label'       => __( 'The Dataverse client secret is not about to expire', 'wpcrm-connect' ),
			'status'      => 'good',
			'badge'       => array(
				'label' => __( 'Dataverse', 'wpcrm-connect' ),
				'color' => 'blue',
			),
			'description' => '<p>' . esc_html__( 'You are reminded 30, 14 and 7 days before the client secret expires.', 'wpcrm-connect' ) . '</p>',
			'actions'     => '',
			'test'        => self::TEST,
		);
		if ( null === $threshold ) {
			return $result;
		}
		$result['status']      = $days <= 7 ? 'critical' : 'recommended';
		$result['label']       = __( 'The Dataverse client secret expires soon', 'wpcrm-connect' );
		$result['badge']['color'] = 'red';
		$result['description'] = '<p>' . esc_html( $this->message( (int) $days, (string) $this->settings->secret_expires_at() ) ) . '</p>';
		$result['actions']     = sprintf( '<p><a href="%s">%s</a></p>', esc_url( $this->page_url() ), esc_html__( 'Renew secret', 'wpcrm-connect' ) );
		return $result;
	}
}
