<?php
/**
 * Admin notices: extension missing, secret undecryptable, last check failed.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Admin;

use Wpcrm\Connect\Capabilities;
use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Messages;
use Wpcrm\Connect\Key;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Verifier;

/**
 * Prints the plugin's notices to users who can set up the connection.
 */
final class Notices {

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
	 * Hooks the notices.
	 */
	public function register(): void {
		add_action( 'admin_notices', array( $this, 'render' ) );
	}

	/**
	 * The "extension missing" text; may contain `<code>` only.
	 */
	public static function extension_missing_message(): string {
		return sprintf(
			/* translators: 1: the command that installs the extension, 2: the PHP extension name. */
			__( 'Dataverse Connection needs the %2$s PHP extension, which is not loaded. Install it on the server with %1$s in the wpcrm source folder, then restart PHP. Until then, setup and verification are disabled.', 'wpcrm-connect' ),
			'<code>make install</code>',
			'<code>wpcrm</code>'
		);
	}

	/**
	 * Prints the notices that apply.
	 */
	public function render(): void {
		if ( ! current_user_can( Capabilities::SETUP ) ) {
			return;
		}
		if ( ! $this->extension->available() ) {
			printf(
				'<div class="notice notice-error" id="wpcrm-notice-extension"><p>%s</p></div>',
				wp_kses( self::extension_missing_message(), array( 'code' => array() ) )
			);
		}

		$page_url = admin_url( 'options-general.php?page=' . Settings_Page::SLUG );

		$key_problem = Key::problem();
		if ( null !== $key_problem ) {
			printf( '<div class="notice notice-error" id="wpcrm-notice-key"><p>%s</p></div>', esc_html( $key_problem ) );
		}

		if ( 'undecryptable' === $this->settings->secret_state() ) {
			printf(
				'<div class="notice notice-error" id="wpcrm-notice-secret"><p>%s <a href="%s">%s</a></p></div>',
				esc_html__( 'The saved Dataverse client secret can no longer be decrypted, usually because the site was moved without its key (WPCRM_CONNECT_KEY or wp-content/wpcrm-connect-key.php). It is treated as not set: enter it again.', 'wpcrm-connect' ),
				esc_url( $page_url ),
				esc_html__( 'Enter the client secret', 'wpcrm-connect' )
			);
		}

		$last = $this->verifier->last();
		if ( null !== $last && 'fail' === Verifier::status( $last['report'] ) ) {
			$failed = Verifier::checks_with( Messages::localize_report( $last['report'] ), 'fail' );
			$first  = $failed ? (string) ( $failed[0]['title'] ?? '' ) : '';
			printf(
				'<div class="notice notice-error" id="wpcrm-notice-check-failed" data-wpcrm-last-status="fail"><p>%s <a href="%s">%s</a></p></div>',
				esc_html(
					sprintf(
						/* translators: 1: date and time of the check, 2: title of the first failed check. */
						__( 'The Dataverse connection check of %1$s failed: %2$s.', 'wpcrm-connect' ),
						wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) $last['checked_at'] ),
						$first
					)
				),
				esc_url( $page_url ),
				esc_html__( 'See what to fix', 'wpcrm-connect' )
			);
		}

		$drift = \Wpcrm\Connect\Health\Drift::latest();
		if ( null !== $drift ) {
			printf(
				'<div class="notice notice-warning" id="wpcrm-notice-drift"><p>%s <a href="%s">%s</a></p></div>',
				esc_html(
					sprintf(
						/* translators: %s: list of changes to roles and privileges. */
						__( 'The Dataverse application user\'s permissions changed since the previous daily check: %s.', 'wpcrm-connect' ),
						\Wpcrm\Connect\Health\Drift::summary( $drift )
					)
				),
				esc_url( $page_url ),
				esc_html__( 'Verify and repair', 'wpcrm-connect' )
			);
		}
	}
}
