<?php
/**
 * REST routes: capability, nonce and argument checks.
 */

namespace Wpcrm\Connect\Tests;

final class RestTest extends TestCase {

	protected function tearDown(): void {
		unset( $_SERVER['HTTP_X_WP_NONCE'], $_REQUEST['_wpnonce'] );
		$GLOBALS['wp_rest_auth_cookie'] = false;
		parent::tearDown();
	}

	public function test_every_route_has_a_permission_callback_and_an_argument_schema(): void {
		$routes = rest_get_server()->get_routes( 'wpcrm/v1' );
		foreach ( array( '/wpcrm/v1/status', '/wpcrm/v1/verify', '/wpcrm/v1/provision' ) as $route ) {
			$this->assertArrayHasKey( $route, $routes );
			foreach ( $routes[ $route ] as $handler ) {
				$this->assertIsCallable( $handler['permission_callback'], $route );
				$this->assertIsArray( $handler['args'], $route );
				foreach ( $handler['args'] as $name => $arg ) {
					$this->assertIsCallable( $arg['validate_callback'] ?? null, "$route $name validate" );
					$this->assertIsCallable( $arg['sanitize_callback'] ?? null, "$route $name sanitize" );
				}
			}
		}
		$args = $routes['/wpcrm/v1/provision'][0]['args'];
		$this->assertSame( array( 'start', 'poll', 'choose_environment', 'cancel', 'rollback', 'repair', 'renew' ), $args['action']['enum'] );
		$this->assertTrue( $args['action']['required'] );
	}

	/**
	 * @dataProvider routes
	 */
	public function test_anonymous_users_are_refused( string $method, string $route, array $params ): void {
		$response = $this->rest( $method, $route, $params );
		$this->assertSame( 401, $response->get_status() );
		$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
	}

	/**
	 * @dataProvider routes
	 */
	public function test_editors_and_subscribers_are_refused( string $method, string $route, array $params ): void {
		foreach ( array( 'editor', 'subscriber' ) as $login ) {
			$this->login( $login );
			$response = $this->rest( $method, $route, $params );
			$this->assertSame( 403, $response->get_status(), "$login on $route" );
			$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
		}
		$this->assertNull( get_user_meta( $this->login( 'subscriber' ), 'wpcrm_connect_provision', true ) ?: null, 'nothing stored for a refused user' );
	}

	public function routes(): array {
		return array(
			'status'    => array( 'GET', '/status', array() ),
			'verify'    => array( 'POST', '/verify', array() ),
			'provision' => array( 'POST', '/provision', array( 'action' => 'start' ) ),
		);
	}

	public function test_cookie_auth_without_the_nonce_is_refused(): void {
		// A logged-in browser (auth cookie) that sends no X-WP-Nonce: core drops the user, the route refuses.
		$this->login( 'admin' );
		$GLOBALS['wp_rest_auth_cookie'] = true;
		$request  = new \WP_REST_Request( 'POST', '/wpcrm/v1/provision' );
		$request->set_param( 'action', 'start' );
		$response = $this->rest_as_http( $request );
		$this->assertSame( 0, get_current_user_id(), 'core treats the request as anonymous' );
		$this->assertInstanceOf( \WP_REST_Response::class, $response );
		$this->assertSame( 401, $response->get_status() );
		$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
	}

	public function test_cookie_auth_with_a_wrong_nonce_is_refused(): void {
		$this->login( 'admin' );
		$GLOBALS['wp_rest_auth_cookie'] = true;
		$_SERVER['HTTP_X_WP_NONCE']     = 'not-a-nonce';
		$response                       = $this->rest_as_http( new \WP_REST_Request( 'GET', '/wpcrm/v1/status' ) );
		$this->assertInstanceOf( \WP_Error::class, $response );
		$this->assertSame( 'rest_cookie_invalid_nonce', $response->get_error_code() );
	}

	public function test_cookie_auth_with_the_nonce_is_accepted(): void {
		$this->login( 'admin' );
		$GLOBALS['wp_rest_auth_cookie'] = true;
		$_SERVER['HTTP_X_WP_NONCE']     = wp_create_nonce( 'wp_rest' );
		$response                       = $this->rest_as_http( new \WP_REST_Request( 'GET', '/wpcrm/v1/status' ) );
		$this->assertSame( 200, $response->get_status() );
		$data = $response->get_data();
		$this->assertSame( extension_loaded( 'wpcrm' ), $data['extension']['loaded'] );
		$this->assertSame( 'missing', $data['settings']['client_secret'] );
	}

	/**
	 * @dataProvider bad_inputs
	 */
	public function test_bad_input_is_refused( string $route, array $params, string $param ): void {
		$this->login( 'admin' );
		$response = $this->rest( 'POST', $route, $params );
		$this->assertSame( 400, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$data = $response->get_data();
		$this->assertContains( $data['code'], array( 'rest_invalid_param', 'rest_missing_callback_param' ) );
		if ( 'rest_invalid_param' === $data['code'] ) {
			$this->assertArrayHasKey( $param, $data['data']['params'] );
		}
		$this->assertSame( '', (string) get_user_meta( get_current_user_id(), 'wpcrm_connect_provision', true ), 'no run was started' );
	}

	public function bad_inputs(): array {
		return array(
			'missing action'          => array( '/provision', array(), 'action' ),
			'unknown action'          => array( '/provision', array( 'action' => 'explode' ), 'action' ),
			'http instance url'       => array( '/provision', array( 'action' => 'start', 'instance_url' => 'http://contoso.crm.dynamics.com' ), 'instance_url' ),
			'not a url'               => array( '/provision', array( 'action' => 'start', 'instance_url' => 'contoso' ), 'instance_url' ),
			'secret days zero'        => array( '/provision', array( 'action' => 'start', 'secret_days' => 0 ), 'secret_days' ),
			'secret days too long'    => array( '/provision', array( 'action' => 'start', 'secret_days' => 5000 ), 'secret_days' ),
			'bad table name'          => array( '/provision', array( 'action' => 'start', 'tables' => "contact\nDROP TABLE;--" ), 'tables' ),
			'bad access kind'         => array( '/verify', array( 'tables' => 'lead: fly' ), 'tables' ),
			'timeout out of range'    => array( '/verify', array( 'timeout' => 600 ), 'timeout' ),
			'choose env without url'  => array( '/provision', array( 'action' => 'choose_environment' ), 'instance_url' ),
		);
	}

	public function test_without_the_extension_verify_and_provision_answer_503(): void {
		$this->login( 'admin' );
		$verify    = $this->rest( 'POST', '/verify', array( 'timeout' => 5 ) );
		$provision = $this->rest( 'POST', '/provision', array( 'action' => 'poll' ) );
		if ( extension_loaded( 'wpcrm' ) ) {
			// NoExtensionTest covers this in a PHP without the extension.
			$this->assertNotSame( 503, $verify->get_status() );
			$this->assertSame( 'idle', $provision->get_data()['status'], 'poll without a run' );
			return;
		}
		$this->assertSame( 503, $verify->get_status() );
		$this->assertSame( 'wpcrm_extension_missing', $verify->get_data()['code'] );
		$this->assertSame( 503, $provision->get_status() );
	}
}
