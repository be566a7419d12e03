<?php
/**
 * The provisioning flow through the REST routes, against the sandbox: start, device code approved through
 * the sandbox's control API, polls to `done`, values saved, verify, rollback.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Key;
use Wpcrm\Connect\Legacy_Options;
use Wpcrm\Connect\Provision_State_Store;
use Wpcrm\Connect\Settings;

final class ProvisioningFlowTest extends TestCase {

	/** @var string[] Every JSON body the "browser" received. */
	private $seen = array();

	protected function setUp(): void {
		parent::setUp();
		$this->seen = array();
	}

	private function post( array $params ): array {
		$response = $this->rest( 'POST', '/provision', $params );
		$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$data         = $response->get_data();
		$this->seen[] = wp_json_encode( $data );
		$this->assertArrayNotHasKey( 'state', $data, 'the state never goes to the browser' );
		$this->assertArrayNotHasKey( 'secret', $data );
		return $data;
	}

	/** Polls until the run leaves sign_in_required / in_progress. */
	private function poll_until_settled( array $result ): array {
		for ( $i = 0; $i < 120 && in_array( $result['status'], array( 'sign_in_required', 'in_progress' ), true ); $i++ ) {
			usleep( 'sign_in_required' === $result['status'] ? 1100000 : 100000 );
			$result = $this->post( array( 'action' => 'poll' ) );
		}
		return $result;
	}

	private function approve( array $result ): void {
		$this->assertSame( 'sign_in_required', $result['status'], wp_json_encode( $result ) );
		$this->assertMatchesRegularExpression( '/^[A-Z0-9]{8}$/', $result['sign_in']['user_code'] );
		$this->assertStringStartsWith( Sandbox::url() . '/devicelogin', $result['sign_in']['verification_uri'] );
		$this->assertSame( 204, Sandbox::approve( $result['sign_in']['user_code'] ) );
	}

	public function test_start_sign_in_poll_done_saves_verifies_and_rolls_back(): void {
		$this->requireSandbox();
		$admin = $this->login( 'admin' );

		$result = $this->post(
			array(
				'action'       => 'start',
				'instance_url' => Sandbox::instance_url(),
				'tables'       => "contact: read\nincident: read",
				'secret_days'  => 30,
			)
		);
		$this->assertNotEmpty( $result['steps'] );
		$this->assertEqualsCanonicalizing( array( 'id', 'title', 'status' ), array_keys( $result['steps'][0] ) );
		$this->assertSame( 'sign_in', $result['steps'][0]['id'] );

		$stored = get_option( Provision_State_Store::OPTION );
		$this->assertIsArray( $stored );
		$this->assertNotEmpty( $stored['state'], 'state kept server-side, per site' );
		$this->assertSame( $admin, $stored['started_by']['id'] );

		$this->approve( $result );
		$result = $this->poll_until_settled( $result );
		$this->assertSame( 'done', $result['status'], wp_json_encode( $result ) );

		// Saved, sealed, and never sent to the browser.
		$settings = $this->service( 'settings' );
		$conn     = $settings->connection();
		$this->assertSame( 'set', $settings->secret_state() );
		$this->assertSame( $result['connection']['application_id'], $conn['application_id'] );
		$this->assertSame( Sandbox::instance_url(), $conn['instance_url'] );
		$this->assertNotEmpty( $settings->secret_expires_at() );
		foreach ( $this->seen as $json ) {
			$this->assertStringNotContainsString( $conn['client_secret'], $json, 'the secret never reaches the browser' );
		}
		$this->assertSame( array( Settings::OPTION ), $result['saved_to'] );
		$this->assertStringContainsString( 'page=wpcrm-connect', $result['redirect'] );
		$this->assertFalse( get_option( Legacy_Options::OPTION ), 'that plugin is not active: its option is left alone' );
		$this->assertArrayHasKey( 'verification_html', $result );

		// The provisioned connection verifies.
		$verify = $this->rest( 'POST', '/verify', array() );
		$this->assertSame( 200, $verify->get_status() );
		$report = $verify->get_data()['report'];
		$this->assertTrue( $report['ok'], wp_json_encode( $report ) );
		$this->assertStringContainsString( 'data-wpcrm-report-status="', $verify->get_data()['html'] );

		// The stored state no longer holds the secret: the engine's forget_secret, or (an engine without
		// it) the plugin dropped the state and kept only the ids.
		$record = ( new Provision_State_Store() )->get();
		$this->assertSame( $conn['application_id'], $record['application_id'] );
		if ( 'dropped' === $record['secret_forgotten'] ) {
			$this->assertNull( $record['state'] );
			$this->assertFalse( $this->provisioning_current()['can_rollback'] );
			return;
		}
		$this->assertSame( 'engine', $record['secret_forgotten'] );

		// Undo it.
		$state_before = Sandbox::state();
		$this->assertContains( $conn['application_id'], wp_list_pluck( $state_before['applications'], 'appId' ) );
		$result = $this->post( array( 'action' => 'rollback' ) );
		// A finished run keeps no admin tokens: undoing it asks the admin to sign in again.
		$this->assertSame( 'sign_in_required', $result['status'], wp_json_encode( $result ) );
		$this->approve( $result );
		for ( $i = 0; $i < 60 && in_array( $result['status'], array( 'in_progress', 'sign_in_required' ), true ); $i++ ) {
			usleep( 'sign_in_required' === $result['status'] ? 1100000 : 100000 );
			$result = $this->post( array( 'action' => 'rollback' ) );
		}
		$this->assertSame( 'rolled_back', $result['status'], wp_json_encode( $result ) );
		$this->assertNotContains( $conn['application_id'], wp_list_pluck( Sandbox::state()['applications'], 'appId' ) );
		$this->assertSame( '', $settings->connection()['application_id'] );
		$this->assertSame( 'missing', $settings->secret_state() );
		$this->assertFalse( get_option( Provision_State_Store::OPTION ) );
	}

	private function provisioning_current(): ?array {
		return $this->service( 'provisioning' )->current();
	}

	public function test_environment_choice_and_the_legacy_connection_tab(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		add_filter( 'wpcrm_connect_legacy_plugin_active', '__return_true' );
		update_option( Legacy_Options::OPTION, array( 'username' => 'kept', 'authMode' => 'Federation' ) );

		$result = $this->post( array( 'action' => 'start', 'tables' => 'contact' ) );
		$this->approve( $result );
		$result = $this->poll_until_settled( $result );
		$this->assertSame( 'choose_environment', $result['status'], wp_json_encode( $result ) );
		$urls = wp_list_pluck( $result['environments'], 'url' );
		$this->assertContains( Sandbox::instance_url(), $urls );

		$result = $this->post( array( 'action' => 'choose_environment', 'instance_url' => Sandbox::instance_url() ) );
		$result = $this->poll_until_settled( $result );
		$this->assertSame( 'done', $result['status'], wp_json_encode( $result ) );

		$this->assertSame( array( Settings::OPTION, Legacy_Options::OPTION ), $result['saved_to'] );
		$this->assertSame( admin_url( 'admin.php?page=wordpresscrm&settings-updated=true' ), $result['redirect'] );
		$legacy = get_option( Legacy_Options::OPTION );
		$this->assertSame( 'OnlineFederation', $legacy['authMode'] );
		$this->assertSame( 'sharedSecretAuth', $legacy['authMethod'] );
		$this->assertSame( Sandbox::instance_url(), $legacy['serverUrlSsa'] );
		$this->assertSame( $result['connection']['application_id'], $legacy['applicationId'] );
		$this->assertSame( $this->service( 'settings' )->secret(), $legacy['clientSecret'] );
		$this->assertSame( 'kept', $legacy['username'] );
	}

	public function test_a_run_that_failed_half_way_resumes_when_started_again(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		// Graph cannot register applications for a while (more than the engine's retries absorb). The
		// engine registers by upsert (PATCH /applications(uniqueName='…')); a 400 there would only
		// send it to its POST fallback, so the outage is a 503.
		$fault = Sandbox::call( 'POST', '/_sandbox/faults', array( 'method' => 'PATCH', 'path' => '/v1.0/applications(*', 'kind' => 'status', 'status' => 503, 'body' => '{"error":{"code":"serviceUnavailable","message":"temporarily refused"}}', 'times' => 50 ) );
		$this->assertSame( 200, $fault['status'], wp_json_encode( $fault ) );

		$result = $this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url(), 'tables' => 'contact' ) );
		$this->approve( $result );
		$result = $this->poll_until_settled( $result );
		$this->assertSame( 'failed', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 'register_app', $result['error']['step'] );
		$this->assertNotEmpty( $result['error']['fix'] );
		$this->assertSame( 'missing', $this->service( 'settings' )->secret_state() );

		// The admin presses "Set up automatically" again once the cause is gone: no new sign-in needed.
		Sandbox::call( 'DELETE', '/_sandbox/faults' );
		$result = $this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url(), 'tables' => 'contact' ) );
		$result = $this->poll_until_settled( $result );
		$this->assertSame( 'done', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 'set', $this->service( 'settings' )->secret_state() );
		$this->assertCount( 1, array_filter( Sandbox::state()['applications'], static function ( $app ) {
			return 0 === strpos( (string) $app['displayName'], 'WordPress' );
		} ), 'nothing duplicated' );
	}

	public function test_cancel_keeps_nothing_running_and_a_poll_after_it_is_harmless(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		$result = $this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url() ) );
		$this->assertSame( 'sign_in_required', $result['status'] );
		$result = $this->post( array( 'action' => 'cancel' ) );
		$this->assertSame( 'cancelled', $result['status'] );
		$this->assertSame( 'missing', $this->service( 'settings' )->secret_state() );
	}

	public function test_a_state_that_no_longer_opens_starts_over(): void {
		$this->requireSandbox();
		$admin = $this->login( 'admin' );
		// As after a migration: a half-finished run sealed under other salts.
		( new Provision_State_Store() )->put(
			array(
				'state'   => 'v1.not-a-state-this-site-can-open',
				'request' => array( 'instance_url' => Sandbox::instance_url(), 'tables' => array( 'contact' => array( 'read' ) ), 'secret_days' => 30 ),
				'status'  => 'failed',
			)
		);
		$result = $this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url() ) );
		$this->assertSame( 'sign_in_required', $result['status'], wp_json_encode( $result ) );
	}

	public function test_one_run_per_site_another_admin_sees_and_continues_it(): void {
		$this->requireSandbox();
		$admin = $this->login( 'admin' );
		$this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url() ) );
		$other = wp_insert_user( array( 'user_login' => 'admin2-' . wp_generate_password( 6, false ), 'user_pass' => wp_generate_password(), 'role' => 'administrator' ) );
		wp_set_current_user( $other );
		try {
			$this->assertSame( 'sign_in_required', $this->post( array( 'action' => 'poll' ) )['status'], 'not a second run beside the first' );
			$record = ( new Provision_State_Store() )->get();
			$this->assertSame( $admin, $record['started_by']['id'] );
			$this->assertSame( $other, $record['moved_by']['id'] );
		} finally {
			wp_delete_user( $other );
		}
	}

	public function test_a_state_and_secret_copied_from_the_database_do_not_open_without_the_plugins_key(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		$result = $this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url() ) );
		$this->assertSame( 'sign_in_required', $result['status'] );
		$this->save_seeded_connection();
		// What a database dump holds.
		$dump_run    = get_option( Provision_State_Store::OPTION );
		$dump_secret = get_option( Settings::OPTION )['client_secret_sealed'];
		$state       = base64_decode( $dump_run['state'] );
		$this->assertNotEmpty( $state );

		// With the site's key, the state opens (the engine continues it).
		$open = wpcrm_provision( array( 'state_key' => \Wpcrm\Connect\Provisioning::state_key(), 'state' => $state, 'app_name' => 'x', 'action' => 'cancel', 'timeout' => 5 ) );
		$this->assertNotSame( 'invalid_state', $open['error']['code'] ?? '', wp_json_encode( $open ) );

		// Without it (the key file is not in the dump: another site, or the file deleted), nothing opens,
		// even though the salts in the database are the same.
		$path = Key::path();
		$kept = file_get_contents( $path );
		unlink( $path );
		Key::reset();
		try {
			$other_key = \Wpcrm\Connect\Provisioning::state_key();
			$this->assertNotNull( $other_key, 'a new key was created' );
			$answer = wpcrm_provision( array( 'state_key' => $other_key, 'state' => $state, 'app_name' => 'x', 'action' => 'run', 'timeout' => 5 ) );
			$this->assertSame( 'failed', $answer['status'] );
			$this->assertSame( 'invalid_state', $answer['error']['code'] );
			// The old, salt-derived state key of earlier versions does not open it either.
			$answer = wpcrm_provision( array( 'state_key' => hash_hmac( 'sha256', 'wpcrm-provision-state', wp_salt( 'auth' ), true ), 'state' => $state, 'app_name' => 'x', 'action' => 'run', 'timeout' => 5 ) );
			$this->assertSame( 'invalid_state', $answer['error']['code'] );
			$this->assertNull( ( new \Wpcrm\Connect\Crypto() )->open( $dump_secret ), 'the sealed secret does not open' );
			$this->assertSame( 'undecryptable', $this->service( 'settings' )->secret_state() );
		} finally {
			file_put_contents( $path, $kept );
			chmod( $path, 0600 );
			Key::reset();
		}
		$this->assertSame( Sandbox::secret_ok(), $this->service( 'settings' )->secret() );
	}
}
