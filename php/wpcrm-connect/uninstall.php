<?php
/**
 * Uninstall: removes the plugin's own options, cron events and key file on every site of the network
 * (see Uninstaller). `msdyncrm_options` belongs to the Dynamics 365 Integration plugin and is left alone.
 *
 * @package Wpcrm\Connect
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/src/Autoloader.php';
\Wpcrm\Connect\Autoloader::register( 'Wpcrm\\Connect\\', __DIR__ . '/src/' );

\Wpcrm\Connect\Uninstaller::run();
