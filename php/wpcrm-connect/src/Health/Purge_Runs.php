<?php
/**
 * The hourly WP-Cron purge of provisioning runs that stopped moving.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

use Wpcrm\Connect\Provision_Lock;
use Wpcrm\Connect\Provision_State_Store;

/**
 * An unfinished run's sealed state holds the admin's refresh token: it is dropped within the hour
 * after its last step is more than an hour old (Provision_State_Store::UNFINISHED_TTL). Takes the
 * site's provisioning lock, so it never drops a run a step is moving right now.
 */
final class Purge_Runs {

	public const HOOK = 'wpcrm_connect_purge_runs';

	/**
	 * Store.
	 *
	 * @var Provision_State_Store
	 */
	private $store;

	/**
	 * Lock.
	 *
	 * @var Provision_Lock
	 */
	private $lock;

	/**
	 * Constructor.
	 *
	 * @param Provision_State_Store $store Store.
	 * @param Provision_Lock        $lock  Lock.
	 */
	public function __construct( Provision_State_Store $store, Provision_Lock $lock ) {
		$this->store = $store;
		$this->lock  = $lock;
	}

	/**
	 * Hooks the job and reschedules it if missing.
	 */
	public function register(): void {
		add_action( self::HOOK, array( $this, 'run' ) );
		add_action( 'init', array( self::class, 'ensure_scheduled' ) );
	}

	/**
	 * Schedules the hourly event unless it already is.
	 *
	 * @return bool Whether an event is scheduled afterwards.
	 */
	public static function ensure_scheduled(): bool {
		if ( wp_next_scheduled( self::HOOK ) ) {
			return true;
		}
		$result = wp_schedule_event( time() + MINUTE_IN_SECONDS, 'hourly', self::HOOK, array(), true );
		return ! is_wp_error( $result ) && false !== $result;
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
	 * @param int|null $now Unix time (tests).
	 * @return bool Whether a run was dropped (false also when a step holds the lock: that run is moving).
	 */
	public function run( $now = null ): bool {
		if ( ! $this->lock->acquire( 0 ) ) {
			return false;
		}
		try {
			return $this->store->purge_idle( is_int( $now ) ? $now : null );
		} finally {
			$this->lock->release();
		}
	}
}
