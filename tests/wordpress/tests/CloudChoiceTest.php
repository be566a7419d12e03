<?php
/**
 * The cloud an administrator chooses for setup ("Microsoft cloud" on the settings page, `cloud` on
 * `POST /provision`) reaches the engine: the sign-in and the environment list go to that cloud's
 * hosts (the sandbox names the real host of each request in its log), and a cloud that contradicts
 * the environment URL fails before any request. docs/provision.md, "Clouds".
 */

namespace Wpcrm\Connect\Tests;

final class CloudChoiceTest extends TestCase {

	private function post( array $params ): \WP_REST_Response {
		return $this->rest( 'POST', '/provision', $params );
	}

	public function test_an_unknown_cloud_is_refused_by_the_route(): void {
		$this->login( 'admin' );
		$response = $this->post( array( 'action' => 'start', 'cloud' => 'mars' ) );
		$this->assertSame( 400, $response->get_status() );
		$this->assertSame( 'rest_invalid_param', $response->get_data()['code'] );
	}

	public function test_the_chosen_cloud_signs_in_and_lists_environments_on_its_own_hosts(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		Sandbox::call( 'DELETE', '/_sandbox/requests' );

		$result = $this->post( array( 'action' => 'start', 'cloud' => 'usgovhigh' ) )->get_data();
		$this->assertSame( 'sign_in_required', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 204, Sandbox::approve( $result['sign_in']['user_code'] ) );
		for ( $i = 0; $i < 30 && in_array( $result['status'], array( 'sign_in_required', 'in_progress' ), true ); $i++ ) {
			usleep( 1100000 );
			$result = $this->post( array( 'action' => 'poll' ) )->get_data();
		}
		// The seeded environments are all in the public cloud: GCC High's own discovery lists none.
		$this->assertSame( 'failed', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 'no_environments', $result['error']['code'] );

		$hosts = array_values( array_unique( array_filter( wp_list_pluck( Sandbox::call( 'GET', '/_sandbox/requests' )['body'], 'host' ) ) ) );
		sort( $hosts );
		$this->assertSame( array( 'globaldisco.crm.microsoftdynamics.us', 'login.microsoftonline.us' ), $hosts );
	}

	public function test_a_cloud_that_contradicts_the_environment_url_fails_before_any_request(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		Sandbox::call( 'DELETE', '/_sandbox/requests' );
		$result = $this->post(
			array(
				'action'       => 'start',
				'cloud'        => 'china',
				'instance_url' => 'https://contoso.crm.dynamics.com',
			)
		)->get_data();
		$this->assertSame( 'failed', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 'cloud_mismatch', $result['error']['code'] );
		$this->assertSame( array(), Sandbox::call( 'GET', '/_sandbox/requests' )['body'] );
	}
}
