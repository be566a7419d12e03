<?php
/**
 * The plugin's handling of provisioning responses, with a scripted engine (support/Scripted_Engine.php)
 * instead of the extension: what is saved where, what leaves the server, resume, cancel and rollback.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Legacy_Options;
use Wpcrm\Connect\Provision_State_Store;
use Wpcrm\Connect\Provisioning;
use Wpcrm\Connect\Settings;

final class ProvisioningLogicTest extends TestCase {

	private const SECRET = 'Sbx8Q~freshlyCreatedSecretValue.000000000009';
	private const APP    = '99999999-9999-4999-8999-999999999999';

	/** @var Scripted_Engine */
	private $engine;
	/** @var Provisioning */
	private $provisioning;

	protected function setUp(): void {
		parent::setUp();
		$this->engine       = new Scripted_Engine();
		$this->provisioning = new Provisioning( $this->engine, $this->service( 'settings' ), $this->service( 'legacy' ), new Provision_State_Store(), $this->service( 'verifier' ) );
	}

	private function steps( string $last ): array {
		return array(
			array( 'id' => 'sign_in', 'title' => 'Sign in as an administrator', 'status' => 'done' ),
			array( 'id' => 'verify', 'title' => 'Verify the connection', 'status' => $last ),
		);
	}

	private function done(): array {
		return array(
			'status'       => 'done',
			'state'        => 'sealed-state-3',
			'steps'        => $this->steps( 'done' ),
			'connection'   => array(
				'instance_url'      => 'https://contoso.crm.dynamics.com',
				'tenant_id'         => \Fixtures::tenant()['id'],
				'application_id'    => self::APP,
				'client_secret'     => self::SECRET,
				'secret_expires_at' => '2027-05-25T00:00:00Z',
				'object_id'         => 'obj-1',
			),
			'verification' => array( 'ok' => true, 'status' => 'pass', 'checks' => array() ),
		);
	}

	public function test_a_step_is_refused_while_another_holds_the_users_lock(): void {
		$this->engine->responses = array(
			array( 'status' => 'in_progress', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'running' ), 'step' => 'verify' ),
		);
		add_option( Provisioning::LOCK_PREFIX . 7, time() + 60, '', false );
		$busy = $this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com' ) );
		$this->assertSame( 'in_progress', $busy['status'] );
		$this->assertSame( 'busy', $busy['step'] );
		$this->assertCount( 0, $this->engine->requests, 'the engine is not called while the lock is held' );

		// A lock left by a request that died is taken over once it has expired, and released after.
		update_option( Provisioning::LOCK_PREFIX . 7, time() - 1, false );
		$this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com' ) );
		$this->assertCount( 1, $this->engine->requests );
		$this->assertFalse( get_option( Provisioning::LOCK_PREFIX . 7 ), 'released after the step' );
	}

	public function test_an_unfinished_run_is_dropped_a_day_after_its_last_step(): void {
		$store = new Provision_State_Store();
		$store->put( 7, array( 'state' => 'sealed-with-refresh-token', 'status' => 'sign_in_required' ) );
		$this->assertNotNull( $store->get( 7 ) );
		$record               = get_user_meta( 7, Provision_State_Store::META_KEY, true );
		$record['updated_at'] = time() - Provision_State_Store::UNFINISHED_TTL - 1;
		update_user_meta( 7, Provision_State_Store::META_KEY, $record );
		$this->assertNull( $store->get( 7 ), 'an old unfinished run (which holds the admin refresh token) is gone' );
		$this->assertSame( '', get_user_meta( 7, Provision_State_Store::META_KEY, true ) );

		$store->put( 7, array( 'state' => 'sealed-without-tokens', 'status' => 'done' ) );
		$record               = get_user_meta( 7, Provision_State_Store::META_KEY, true );
		$record['updated_at'] = time() - Provision_State_Store::UNFINISHED_TTL - 1;
		update_user_meta( 7, Provision_State_Store::META_KEY, $record );
		$this->assertNotNull( $store->get( 7 ), 'a finished run is kept (for Undo setup)' );
	}

	public function test_the_state_is_kept_per_user_and_passed_back_with_the_state_key(): void {
		$this->engine->responses = array(
			array( 'status' => 'sign_in_required', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'pending' ), 'sign_in' => array( 'user_code' => 'ABCD1234', 'verification_uri' => 'https://microsoft.com/devicelogin' ) ),
			array( 'status' => 'in_progress', 'state' => 'sealed-state-2', 'steps' => $this->steps( 'running' ), 'step' => 'verify' ),
		);
		$first = $this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com', 'tables' => array( 'contact' => array( 'read' ) ), 'secret_days' => 30 ) );
		$this->assertSame( 'sign_in_required', $first['status'] );
		$this->assertArrayNotHasKey( 'state', $first );
		$this->assertArrayNotHasKey( 'state', $this->engine->requests[0], 'a fresh run sends no state' );
		$this->assertSame( 32, strlen( $this->engine->requests[0]['state_key'] ) );
		$this->assertSame( hash_hmac( 'sha256', 'wpcrm-provision-state', wp_salt( 'auth' ), true ), $this->engine->requests[0]['state_key'] );
		$this->assertSame( 30, $this->engine->requests[0]['secret_lifetime_days'] );
		$this->assertSame( home_url( '/' ), $this->engine->requests[0]['site_id'] );
		$this->assertTrue( $this->engine->requests[0]['create_role'] );

		$this->provisioning->step( 7, 'poll' );
		$this->assertSame( 'sealed-state-1', $this->engine->requests[1]['state'] );
		$this->assertSame( 'https://contoso.crm.dynamics.com', $this->engine->requests[1]['instance_url'] );
		$this->assertSame( 'run', $this->engine->requests[1]['action'] );
		$this->assertSame( 'sealed-state-2', ( new Provision_State_Store() )->get( 7 )['state'] );
		$this->assertSame( 'in_progress', $this->provisioning->current( 7 )['status'] );
		$this->assertNull( ( new Provision_State_Store() )->get( 8 ), 'another user has no run' );
	}

	public function test_done_seals_the_secret_into_the_own_option_only(): void {
		$this->engine->responses = array( $this->done() );
		$result = $this->provisioning->step( 7, 'start' );
		$this->assertSame( 'done', $result['status'] );
		$this->assertSame( array( Settings::OPTION ), $result['saved_to'] );
		$this->assertArrayNotHasKey( 'client_secret', $result['connection'] );
		$this->assertStringContainsString( 'page=wpcrm-connect', $result['redirect'] );
		$settings = $this->service( 'settings' );
		$this->assertSame( self::SECRET, $settings->secret() );
		$this->assertSame( '2027-05-25T00:00:00Z', $settings->secret_expires_at() );
		$this->assertSame( self::APP, $settings->connection()['application_id'] );
		$this->assertSame( 'obj-1', $settings->stored()['provisioned']['object_id'] );
		$this->assertFalse( get_option( Legacy_Options::OPTION ) );
		$this->assertSame( 'provision', $this->service( 'verifier' )->last()['trigger'] );

		// Through REST the secret is stripped.
		$this->assertSame( self::SECRET, $result['secret'], 'only the CLI prints it, on request' );
	}

	public function test_done_with_the_legacy_plugin_active_fills_its_option_and_redirects_there(): void {
		add_filter( 'wpcrm_connect_legacy_plugin_active', '__return_true' );
		update_option( Legacy_Options::OPTION, array( 'ignoreSslErrors' => true ) );
		$this->engine->responses = array( $this->done() );
		$result = $this->provisioning->step( 7, 'start' );
		$this->assertSame( array( Settings::OPTION, Legacy_Options::OPTION ), $result['saved_to'] );
		$this->assertSame( admin_url( 'admin.php?page=wordpresscrm&settings-updated=true' ), $result['redirect'] );
		$legacy = get_option( Legacy_Options::OPTION );
		$this->assertSame(
			array(
				'ignoreSslErrors' => true,
				'authMode'        => 'OnlineFederation',
				'authMethod'      => 'sharedSecretAuth',
				'serverUrlSsa'    => 'https://contoso.crm.dynamics.com',
				'applicationId'   => self::APP,
				'clientSecret'    => self::SECRET,
				'connected'       => false,
			),
			$legacy
		);
	}

	public function test_a_failed_run_resumes_on_start_and_a_cancelled_one_starts_over(): void {
		$this->engine->responses = array(
			array( 'status' => 'failed', 'state' => 'sealed-failed', 'steps' => $this->steps( 'failed' ), 'error' => array( 'step' => 'verify', 'code' => 'x', 'message' => 'm', 'fix' => 'f' ) ),
			array( 'status' => 'in_progress', 'state' => 'sealed-resumed', 'steps' => $this->steps( 'running' ) ),
			array( 'status' => 'failed', 'state' => 'sealed-cancelled', 'steps' => $this->steps( 'pending' ), 'error' => array( 'code' => 'cancelled', 'message' => 'cancelled' ) ),
			array( 'status' => 'sign_in_required', 'state' => 'sealed-new', 'steps' => $this->steps( 'pending' ), 'sign_in' => array( 'user_code' => 'X', 'verification_uri' => 'u' ) ),
		);
		$this->assertSame( 'failed', $this->provisioning->step( 7, 'start' )['status'] );
		$this->provisioning->step( 7, 'start' );
		$this->assertSame( 'sealed-failed', $this->engine->requests[1]['state'], 'resumed' );

		$cancelled = $this->provisioning->step( 7, 'cancel' );
		$this->assertSame( 'cancelled', $cancelled['status'] );
		$this->assertSame( 'cancel', $this->engine->requests[2]['action'] );
		$this->assertTrue( $this->provisioning->current( 7 )['can_rollback'], 'what was created can still be undone' );

		$this->provisioning->step( 7, 'start' );
		$this->assertArrayNotHasKey( 'state', $this->engine->requests[3], 'a cancelled run starts over' );
	}

	public function test_rollback_clears_the_values_it_had_saved(): void {
		add_filter( 'wpcrm_connect_legacy_plugin_active', '__return_true' );
		$this->engine->responses = array(
			$this->done(),
			array( 'status' => 'in_progress', 'state' => 'sealed-rb-1', 'steps' => array() ),
			array( 'status' => 'done', 'state' => 'sealed-rb-2', 'steps' => array() ),
		);
		$this->provisioning->step( 7, 'start' );
		$this->assertSame( 'in_progress', $this->provisioning->step( 7, 'rollback' )['status'] );
		$this->assertSame( 'rollback', $this->engine->requests[1]['action'] );
		$this->assertSame( self::APP, $this->service( 'settings' )->connection()['application_id'], 'kept until the rollback finished' );
		$this->assertSame( 'rolled_back', $this->provisioning->step( 7, 'rollback' )['status'] );
		$this->assertSame( '', $this->service( 'settings' )->connection()['application_id'] );
		$this->assertSame( 'missing', $this->service( 'settings' )->secret_state() );
		$this->assertSame( '', get_option( Legacy_Options::OPTION )['clientSecret'] );
		$this->assertNull( $this->provisioning->current( 7 ) );
	}

	public function test_an_exception_from_the_engine_becomes_a_failed_result(): void {
		$result = $this->provisioning->step( 7, 'start' ); // No scripted response: the engine throws.
		$this->assertSame( 'failed', $result['status'] );
		$this->assertSame( 'exception', $result['error']['code'] );
	}
}
