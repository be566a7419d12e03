<?php
/**
 * Saves the seeded wp-ok connection into the plugin's settings (encrypted by the plugin).
 * Usage: php configure.php WP_DIR INSTANCE_URL APP_ID SECRET
 */
define( 'WP_USE_THEMES', false );
require $argv[1] . '/wp-load.php';
\Wpcrm\Connect\Plugin::instance()->get( 'settings' )->save(
	array(
		'instance_url'   => $argv[2],
		'application_id' => $argv[3],
		'client_secret'  => $argv[4],
		'tables'         => array( 'account' => array( 'read' ) ),
	)
);
echo "configured\n";
