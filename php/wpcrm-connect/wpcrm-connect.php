<?php
/**
 * Plugin Name:       Dataverse Connection (wpcrm)
 * Description:       Sets up and verifies the Microsoft Dataverse connection of this site with the wpcrm PHP extension: "Set up automatically", "Verify connection", WP-CLI commands, Site Health and a daily check.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * Author:            wpcrm
 * License:           MIT
 * Text Domain:       wpcrm-connect
 * Domain Path:       /languages
 *
 * @package Wpcrm\Connect
 */

// The bootstrap fails soft: nothing here may fatal, with or without the extension.
if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'WPCRM_CONNECT_VERSION', '0.1.0' );
define( 'WPCRM_CONNECT_FILE', __FILE__ );
define( 'WPCRM_CONNECT_DIR', __DIR__ );

require_once __DIR__ . '/src/Autoloader.php';
\Wpcrm\Connect\Autoloader::register( 'Wpcrm\\Connect\\', __DIR__ . '/src/' );

register_activation_hook( __FILE__, array( \Wpcrm\Connect\Plugin::class, 'activate' ) );
register_deactivation_hook( __FILE__, array( \Wpcrm\Connect\Plugin::class, 'deactivate' ) );

\Wpcrm\Connect\Plugin::instance()->register();
