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
final class Purge_Runs extends Cron_Job {

	public const HOOK = 'wpcrm_connect_purge_runs';

	public const RECURRENCE = 'hourly';

	public const FIRST_RUN_IN = MINUTE_IN_SECONDS;

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
			// A renewal left half way holds the admin's refresh token too.
			\Wpcrm\Connect\Renewal::purge_idle( is_int( $now ) ? $now : null );
			return $this->store->purge_idle( is_int( $now ) ? $now : null );
		} finally {
			$this->lock->release();
		}
	}
}
