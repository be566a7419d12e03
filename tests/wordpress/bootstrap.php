<?php
/**
 * PHPUnit bootstrap: loads the WordPress that run.sh installed (plugin active) in an admin context,
 * the runner of the real WP-CLI, and the shared test case.
 */

$wp_dir = getenv( 'WPT_WP_DIR' );
$url    = getenv( 'WPT_URL' );
if ( ! $wp_dir || ! is_file( $wp_dir . '/wp-load.php' ) || ! $url ) {
	fwrite( STDERR, "Run the tests through tests/wordpress/run.sh (WPT_WP_DIR and WPT_URL are not set).\n" );
	exit( 1 );
}

$_SERVER['HTTP_HOST']       = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['SERVER_NAME']     = parse_url( $url, PHP_URL_HOST );
$_SERVER['SERVER_PORT']     = (string) parse_url( $url, PHP_URL_PORT );
$_SERVER['REQUEST_URI']     = '/wp-admin/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';

require $wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';

require dirname( __DIR__ ) . '/phpt/fixtures.inc';
require __DIR__ . '/support/Wp_Cli.php';
require __DIR__ . '/support/Sandbox.php';
require __DIR__ . '/support/Scripted_Engine.php';
require __DIR__ . '/support/TestCase.php';
