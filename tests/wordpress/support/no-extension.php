<?php
/**
 * Loads the WordPress under test in a PHP *without* the wpcrm extension and reports, as JSON, what an
 * admin would see. Run by NoExtensionTest as a separate process.
 */

$errors = array();
set_error_handler(
	static function ( $errno, $errstr, $errfile, $errline ) use ( &$errors ) {
		$errors[] = "$errstr at $errfile:$errline";
		return true;
	}
);
register_shutdown_function(
	static function () {
		$e = error_get_last();
		if ( $e && in_array( $e['type'], array( E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR ), true ) ) {
			echo json_encode( array( 'fatal' => $e['message'] . ' at ' . $e['file'] . ':' . $e['line'] ) );
		}
	}
);

$url                    = getenv( 'WPT_URL' );
$_SERVER['HTTP_HOST']   = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/wp-admin/';
require getenv( 'WPT_WP_DIR' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';

$plugin_dir = realpath( WPCRM_CONNECT_DIR );
$out        = array( 'extension_loaded' => extension_loaded( 'wpcrm' ) );

// Activation from scratch (deactivate, activate) must not fatal.
deactivate_plugins( 'wpcrm-connect/wpcrm-connect.php', true );
$activated               = activate_plugin( 'wpcrm-connect/wpcrm-connect.php' );
$out['activation_error'] = is_wp_error( $activated ) ? $activated->get_error_message() : null;
$out['plugin_active']    = is_plugin_active( 'wpcrm-connect/wpcrm-connect.php' );

wp_set_current_user( get_user_by( 'login', getenv( 'WPT_ADMIN_USER' ) ?: 'admin' )->ID );
ob_start();
do_action( 'admin_notices' );
$out['notices'] = ob_get_clean();

$out['site_health'] = \Wpcrm\Connect\Plugin::instance()->get( 'site_health' )->test();

$page = \Wpcrm\Connect\Plugin::instance()->get( 'page' );
$page->add_fields();
ob_start();
$page->render();
$out['page'] = ob_get_clean();

$response      = rest_do_request( new WP_REST_Request( 'POST', '/wpcrm/v1/verify' ) );
$out['verify'] = array( 'status' => $response->get_status(), 'code' => $response->get_data()['code'] ?? null );

$out['plugin_errors'] = array_values(
	array_filter(
		$errors,
		static function ( $e ) use ( $plugin_dir ) {
			return false !== strpos( $e, $plugin_dir ) || false !== strpos( $e, '/plugins/wpcrm-connect/' );
		}
	)
);
echo json_encode( $out );
