<?php
/**
 * What every recurring WP-Cron job of the plugin shares: its hook, scheduling it once, and removing it.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

/**
 * A recurring job: a subclass names its hook (`HOOK`), how often it runs (`RECURRENCE`), how long
 * after activation it first runs (`FIRST_RUN_IN`, seconds) and what it does (`run()`). Scheduling
 * only happens when the event is missing, so `init` may ask on every request.
 */
abstract class Cron_Job {

	/**
	 * Hooks the job and reschedules it if missing.
	 */
	public function register(): void {
		add_action( static::HOOK, array( $this, 'run' ) );
		add_action( 'init', array( $this, 'ensure_scheduled' ) );
	}

	/**
	 * Schedules the event unless it already is.
	 *
	 * @return bool Whether an event is scheduled afterwards.
	 */
	public static function ensure_scheduled(): bool {
		if ( wp_next_scheduled( static::HOOK ) ) {
			return true;
		}
		$result = wp_schedule_event( time() + static::FIRST_RUN_IN, static::RECURRENCE, static::HOOK, array(), true );
		$failed = is_wp_error( $result ) || false === $result;
		static::scheduling_result( $failed ? ( is_wp_error( $result ) ? $result->get_error_message() : 'wp_schedule_event returned false' ) : null );
		return ! $failed;
	}

	/**
	 * Removes the scheduled events.
	 */
	public static function unschedule(): void {
		wp_clear_scheduled_hook( static::HOOK );
	}

	/**
	 * Told after each attempt to schedule: null when it worked, else why not. A job whose failure to
	 * schedule must show somewhere (Site Health) records it here.
	 *
	 * @param string|null $failure Why scheduling failed.
	 */
	protected static function scheduling_result( ?string $failure ): void {
	}
}
