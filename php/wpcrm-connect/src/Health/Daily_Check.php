<?php
/**
 * The daily WP-Cron verification.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Verifier;

/**
 * Verifies the saved connection once a day and stores the report for Site Health and the notice.
 * A failure to schedule is recorded, not swallowed: Site Health shows it.
 */
final class Daily_Check {

	public const HOOK = 'wpcrm_connect_daily_check';

	/** Option recording a scheduling failure (message) — empty when scheduled fine. */
	public const SCHEDULE_ERROR_OPTION = 'wpcrm_connect_schedule_error';

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

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
	 * @param Verifier  $verifier  Verifier.
	 */
	public function __construct( Extension $extension, Verifier $verifier ) {
		$this->extension = $extension;
		$this->verifier  = $verifier;
	}

	/**
	 * Hooks the job and reschedules it if missing.
	 */
	public function register(): void {
		add_action( self::HOOK, array( $this, 'run' ) );
		add_action( 'init', array( $this, 'ensure_scheduled' ) );
	}

	/**
	 * Schedules the daily event unless it already is.
	 *
	 * @return bool Whether an event is scheduled afterwards.
	 */
	public static function ensure_scheduled(): bool {
		if ( wp_next_scheduled( self::HOOK ) ) {
			return true;
		}
		$result = wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::HOOK, array(), true );
		if ( is_wp_error( $result ) || false === $result ) {
			$message = is_wp_error( $result ) ? $result->get_error_message() : 'wp_schedule_event returned false';
			update_option( self::SCHEDULE_ERROR_OPTION, $message, false );
			return false;
		}
		delete_option( self::SCHEDULE_ERROR_OPTION );
		return true;
	}

	/**
	 * Removes the scheduled events.
	 */
	public static function unschedule(): void {
		wp_clear_scheduled_hook( self::HOOK );
	}

	/**
	 * The cron callback.
	 *
	 * @return array|null The report, or null when nothing could run.
	 */
	public function run(): ?array {
		if ( ! $this->extension->available() ) {
			return null;
		}
		return $this->verifier->run( null, 'cron' );
	}
}
