<?php
/**
 * Installs WordPress with its own wp_install() (the WP-CLI here has no `wp core`), adds test users and activates
 * the plugin. Usage: php install.php WORDPRESS_DIR
 */

$wp_dir = $argv[1] ?? '';
if ( ! is_file( $wp_dir . '/wp-load.php' ) ) {
	fwrite( STDERR, "usage: php install.php WORDPRESS_DIR\n" );
	exit( 2 );
}
$url                    = getenv( 'WPT_URL' );
$_SERVER['HTTP_HOST']   = (string) parse_url( $url, PHP_URL_HOST ) . ( parse_url( $url, PHP_URL_PORT ) ? ':' . parse_url( $url, PHP_URL_PORT ) : '' );
$_SERVER['SERVER_NAME'] = (string) parse_url( $url, PHP_URL_HOST );
$_SERVER['REQUEST_URI'] = '/';
define( 'WP_INSTALLING', true );
// No mail during the install (there is no MTA here): pluggable, so defining it first wins.
function wp_mail() {
	return true;
}
require $wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$result = wp_install( 'wpcrm test site', getenv( 'WPT_ADMIN_USER' ) ?: 'admin', 'admin@example.org', false, '', wp_slash( getenv( 'WPT_ADMIN_PASSWORD' ) ?: 'wpcrm-admin' ) );
if ( empty( $result['user_id'] ) ) {
	fwrite( STDERR, "wp_install failed\n" );
	exit( 1 );
}
update_option( 'permalink_structure', '/%postname%/' );
// No Gravatar requests: the browser tests run offline and check the console for errors.
update_option( 'show_avatars', 0 );
foreach ( array( 'editor', 'subscriber' ) as $role ) {
	wp_insert_user(
		array(
			'user_login' => $role,
			'user_pass'  => $role . '-password',
			'user_email' => $role . '@example.org',
			'role'       => $role,
		)
	);
}
foreach ( preg_split( '/\s+/', trim( (string) getenv( 'WPT_EXTRA_PLUGINS' ) ), -1, PREG_SPLIT_NO_EMPTY ) as $extra ) {
	$slug  = basename( $extra );
	$extra = activate_plugin( $slug . '/' . $slug . '.php' );
	if ( is_wp_error( $extra ) ) {
		fwrite( STDERR, 'activation of ' . $slug . ' failed: ' . $extra->get_error_message() . "\n" );
		exit( 1 );
	}
}
$activated = activate_plugin( 'wpcrm-connect/wpcrm-connect.php' );
if ( is_wp_error( $activated ) ) {
	fwrite( STDERR, 'activation failed: ' . $activated->get_error_message() . "\n" );
	exit( 1 );
}
fwrite( STDERR, "[wordpress] installed at $url, plugin active" . ( extension_loaded( 'wpcrm' ) ? ' (extension loaded)' : ' (extension NOT loaded)' ) . "\n" );
