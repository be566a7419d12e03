<?php
/**
 * Uninstall: removes the plugin's own options, user meta and cron events. `msdyncrm_options` belongs to
 * the Dynamics 365 Integration plugin and is left alone.
 *
 * @package Wpcrm\Connect
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/src/Autoloader.php';
\Wpcrm\Connect\Autoloader::register( 'Wpcrm\\Connect\\', __DIR__ . '/src/' );

delete_option( \Wpcrm\Connect\Settings::OPTION );
delete_option( \Wpcrm\Connect\Verifier::LAST_REPORT_OPTION );
delete_option( \Wpcrm\Connect\Health\Daily_Check::SCHEDULE_ERROR_OPTION );
\Wpcrm\Connect\Provision_State_Store::delete_all();
// A lock left by a request that died mid-step.
global $wpdb;
$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( \Wpcrm\Connect\Provisioning::LOCK_PREFIX ) . '%' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
wp_clear_scheduled_hook( \Wpcrm\Connect\Health\Daily_Check::HOOK );
