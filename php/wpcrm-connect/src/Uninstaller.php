<?php
/**
 * Removes everything the plugin stored, on every site of a network.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Used by uninstall.php. Each site's own options (settings with the sealed secret, the run, the audit
 * log, the last report) are deleted on every site (`get_sites()` + `switch_to_blog()`), then what is
 * network-wide: the per-user runs of earlier versions (user meta is network-wide), the cron events and
 * the generated key file. `msdyncrm_options` belongs to the Dynamics 365 Integration plugin and is left alone.
 */
final class Uninstaller {

	/**
	 * Cleans up.
	 *
	 * @param int[]|null    $site_ids Sites; null: every site of the network (the current one on single site).
	 * @param callable|null $switch   Switches to a site (default switch_to_blog on multisite).
	 * @param callable|null $restore  Switches back (default restore_current_blog on multisite).
	 */
	public static function run( ?array $site_ids = null, ?callable $switch = null, ?callable $restore = null ): void {
		$multisite = is_multisite();
		if ( null === $site_ids ) {
			$site_ids = $multisite ? get_sites(
				array(
					'fields' => 'ids',
					'number' => 0,
				)
			) : array( get_current_blog_id() );
		}
		$noop    = static function (): void {};
		$switch  = $switch ?? ( $multisite ? 'switch_to_blog' : $noop );
		$restore = $restore ?? ( $multisite ? 'restore_current_blog' : $noop );
		foreach ( $site_ids as $site_id ) {
			$switch( (int) $site_id );
			self::clean_site();
			$restore();
		}
		Provision_State_Store::delete_legacy();
		Key::delete_file();
	}

	/**
	 * Deletes the current site's data and cron events.
	 */
	public static function clean_site(): void {
		delete_option( Settings::OPTION );
		delete_option( Verifier::LAST_REPORT_OPTION );
		delete_option( Health\Daily_Check::SCHEDULE_ERROR_OPTION );
		delete_option( Health\Drift::SEEN_OPTION );
		delete_option( Health\Drift::DRIFT_OPTION );
		delete_option( Provision_State_Store::OPTION );
		delete_option( Renewal::OPTION );
		delete_option( Health\Secret_Reminders::OPTION );
		Audit_Log::delete();
		// The option-row locks of earlier versions, left by a request that died mid-step.
		global $wpdb;
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( 'wpcrm_connect_provision_lock_' ) . '%' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		wp_clear_scheduled_hook( Health\Daily_Check::HOOK );
		wp_clear_scheduled_hook( Health\Purge_Runs::HOOK );
		wp_clear_scheduled_hook( Health\Secret_Reminders::HOOK );
	}
}
