<?php
/**
 * Base test case: resets the plugin's state between tests and fails a test when the plugin's own code
 * raised a PHP notice, warning or deprecation.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Plugin;

abstract class TestCase extends \PHPUnit\Framework\TestCase {

	/** @var string[] Errors raised from plugin files during the test. */
	private $plugin_errors = array();

	protected function setUp(): void {
		parent::setUp();
		$plugin_dir          = realpath( WPCRM_CONNECT_DIR );
		$this->plugin_errors = array();
		$errors              = &$this->plugin_errors;
		set_error_handler(
			static function ( $errno, $errstr, $errfile, $errline ) use ( $plugin_dir, &$errors ) {
				$real = realpath( $errfile ) ?: $errfile;
				if ( 0 === strpos( $real, $plugin_dir ) ) {
					$errors[] = "$errstr at $real:$errline";
					return true;
				}
				return false; // Core's own notices go to the usual handling.
			}
		);
		$this->reset_plugin_state();
		wp_set_current_user( 0 );
	}

	protected function tearDown(): void {
		restore_error_handler();
		remove_all_filters( 'wpcrm_connect_legacy_plugin_active' );
		remove_all_filters( 'wpcrm_connect_network_mode' );
		if ( has_filter( 'wpcrm_connect_key_file' ) ) {
			remove_all_filters( 'wpcrm_connect_key_file' );
			\Wpcrm\Connect\Key::reset();
		}
		$this->assertSame( array(), $this->plugin_errors, 'PHP notices/warnings from the plugin\'s own code' );
		parent::tearDown();
	}

	protected function reset_plugin_state(): void {
		foreach ( array( 'wpcrm_connect_settings', 'wpcrm_connect_last_report', 'wpcrm_connect_schedule_error', 'wpcrm_connect_provision_cli', 'wpcrm_connect_provision_run', 'wpcrm_connect_audit', 'msdyncrm_options' ) as $option ) {
			delete_option( $option );
		}
		delete_metadata( 'user', 0, 'wpcrm_connect_provision', '', true );
		wp_cache_flush();
	}

	/** @return object */
	protected function service( string $name ) {
		return Plugin::instance()->get( $name );
	}

	protected function admin_id(): int {
		return (int) get_user_by( 'login', getenv( 'WPT_ADMIN_USER' ) ?: 'admin' )->ID;
	}

	protected function login( string $login ): int {
		$user = get_user_by( 'login', $login );
		$this->assertNotFalse( $user, "user $login exists" );
		wp_set_current_user( $user->ID );
		return (int) $user->ID;
	}

	protected function requireExtension(): void {
		if ( ! extension_loaded( 'wpcrm' ) ) {
			$this->markTestSkipped( 'needs the wpcrm extension (WPCRM_SO)' );
		}
	}

	/** Runs the REST request the way the server does for a real HTTP request: authentication checks first. */
	protected function rest_as_http( \WP_REST_Request $request ) {
		$server = rest_get_server();
		// Core's rest_cookie_check_errors() sends a refreshed nonce header; PHPUnit has printed output already.
		$auth = @$server->check_authentication(); // phpcs:ignore WordPress.PHP.NoSilencedErrors
		if ( is_wp_error( $auth ) ) {
			return $auth;
		}
		return rest_do_request( $request );
	}

	protected function requireSandbox(): void {
		if ( ! Sandbox::available() ) {
			$this->markTestSkipped( 'needs the wpcrm extension and the sandbox (WPCRM_SO, WPCRM_SANDBOX_URL)' );
		}
		Sandbox::reset();
	}

	/** Dispatches a REST request in-process. */
	protected function rest( string $method, string $route, array $params = array() ): \WP_REST_Response {
		$request = new \WP_REST_Request( $method, '/wpcrm/v1' . $route );
		if ( 'GET' === $method ) {
			$request->set_query_params( $params );
		} else {
			$request->set_header( 'Content-Type', 'application/json' );
			$request->set_body( wp_json_encode( $params ) );
		}
		return rest_do_request( $request );
	}

	/** Saves the seeded working connection of the sandbox. */
	protected function save_seeded_connection( array $tables = array( 'contact' => array( 'read' ) ) ): void {
		$this->service( 'settings' )->save(
			array(
				'instance_url'   => Sandbox::instance_url(),
				'application_id' => Sandbox::app_ok(),
				'client_secret'  => Sandbox::secret_ok(),
				'tables'         => $tables,
			)
		);
	}
}
