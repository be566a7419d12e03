<?php
/**
 * The plugin's handling of provisioning responses, with a scripted engine (support/Scripted_Engine.php)
 * instead of the extension: what is saved where, what leaves the server, resume, cancel and rollback.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Audit_Log;
use Wpcrm\Connect\Health\Purge_Runs;
use Wpcrm\Connect\Key;
use Wpcrm\Connect\Legacy_Options;
use Wpcrm\Connect\Plugin;
use Wpcrm\Connect\Provision_Lock;
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

	/** The engine's answer to `forget_secret`: the state without the secret. */
	private function forgotten(): array {
		$done          = $this->done();
		$done['state'] = 'sealed-state-without-secret';
		$done['connection']['client_secret'] = '';
		unset( $done['verification'] );
		return $done;
	}

	private function stored(): ?array {
		return ( new Provision_State_Store() )->get();
	}

	public function test_the_state_key_is_the_plugins_own_and_not_derived_from_the_salts(): void {
		$key = Provisioning::state_key();
		$this->assertSame( 32, strlen( $key ) );
		$this->assertSame( Key::derive( 'provision-state' ), $key );
		$this->assertNotSame( hash_hmac( 'sha256', 'wpcrm-provision-state', wp_salt( 'auth' ), true ), $key, 'not the old salt-derived key' );
		$this->assertNotSame( Key::derive( 'secretbox' ), $key, 'distinct from the secret\'s key' );
		$this->assertFileExists( Key::path() );
		$this->assertSame( '0600', substr( sprintf( '%o', fileperms( Key::path() ) ), -4 ), 'the key file is private' );
		$this->assertStringNotContainsString( base64_encode( Key::material() ), (string) wp_json_encode( wp_load_alloptions() ), 'the key is not in the database' );
	}

	public function test_without_a_usable_key_provisioning_refuses_and_says_to_define_the_constant(): void {
		add_filter(
			'wpcrm_connect_key_file',
			static function () {
				return '/proc/wpcrm-no-such-dir/wpcrm-connect-key.php';
			}
		);
		Key::reset();
		$result = $this->provisioning->step( 7, 'start' );
		$this->assertSame( 'failed', $result['status'] );
		$this->assertSame( 'no_key', $result['error']['code'] );
		$this->assertStringContainsString( 'WPCRM_CONNECT_KEY', $result['error']['message'] );
		$this->assertStringContainsString( 'wp-config.php', $result['error']['message'] );
		$this->assertCount( 0, $this->engine->requests );
		// Nor is a secret stored in plain text.
		$this->service( 'settings' )->save( array( 'client_secret' => self::SECRET ) );
		$this->assertStringNotContainsString( self::SECRET, (string) wp_json_encode( get_option( Settings::OPTION ) ) );
	}

	public function test_a_step_is_refused_while_another_connection_holds_the_sites_lock(): void {
		$this->engine->responses = array(
			array( 'status' => 'in_progress', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'running' ), 'step' => 'verify' ),
		);
		// Another request (another database connection) holds the site's lock.
		$other = new \wpdb( DB_USER, DB_PASSWORD, DB_NAME, DB_HOST );
		$this->assertSame( '1', (string) $other->get_var( $other->prepare( 'SELECT GET_LOCK(%s, 0)', Provision_Lock::name() ) ) );
		try {
			$busy = $this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com' ) );
			$this->assertSame( 'busy', $busy['status'] );
			$this->assertSame( 'busy', $busy['error']['code'] );
			$this->assertCount( 0, $this->engine->requests, 'the engine is not called while the lock is held' );
			$this->assertSame( 'busy', $this->provisioning->step( 8, 'cancel' )['status'], 'cancel takes the lock too' );
			$this->assertFalse( ( new Purge_Runs( new Provision_State_Store(), new Provision_Lock() ) )->run(), 'so does the purge' );
		} finally {
			$other->get_var( $other->prepare( 'SELECT RELEASE_LOCK(%s)', Provision_Lock::name() ) );
			$other->close();
		}
		// Once released (or its connection died: the server releases it), the next step runs and releases it after.
		$this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com' ) );
		$this->assertCount( 1, $this->engine->requests );
		$this->assertFalse( ( new Provision_Lock() )->is_held(), 'released after the step' );
	}

	public function test_cancel_during_a_poll_does_not_lose_the_created_apps_record(): void {
		$this->engine->responses = array(
			array( 'status' => 'in_progress', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'running' ) ),
			array( 'status' => 'in_progress', 'state' => 'sealed-state-with-app-and-secret', 'steps' => $this->steps( 'running' ) ),
			array( 'status' => 'failed', 'state' => 'sealed-cancelled', 'steps' => $this->steps( 'pending' ), 'error' => array( 'code' => 'cancelled', 'message' => 'cancelled' ) ),
		);
		$this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com' ) );
		$cancel_during_poll = null;
		$this->engine->during = function ( $request ) use ( &$cancel_during_poll ) {
			if ( 'run' === $request['action'] && 'sealed-state-1' === ( $request['state'] ?? '' ) ) {
				// The admin presses Cancel while the poll that creates the app and its secret runs.
				$cancel_during_poll = $this->provisioning->step( 7, 'cancel' );
			}
		};
		$this->provisioning->step( 7, 'poll' );
		$this->assertSame( 'busy', $cancel_during_poll['status'], 'cancel waits for the poll instead of racing it' );
		$this->assertSame( 'sealed-state-with-app-and-secret', $this->stored()['state'], 'the poll\'s record of what it created is kept' );

		$this->engine->during = null;
		$this->assertSame( 'cancelled', $this->provisioning->step( 7, 'cancel' )['status'] );
		$this->assertSame( 'sealed-state-with-app-and-secret', end( $this->engine->requests )['state'], 'the cancel continues from the poll\'s state' );
		$this->assertSame( 'sealed-cancelled', $this->stored()['state'] );
	}

	public function test_a_stale_writer_never_replaces_a_newer_record(): void {
		$this->engine->responses = array(
			array( 'status' => 'in_progress', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'running' ) ),
			array( 'status' => 'in_progress', 'state' => 'sealed-stale', 'steps' => $this->steps( 'running' ) ),
		);
		$this->provisioning->step( 7, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com' ) );
		$store = new Provision_State_Store();
		$this->engine->during = static function () use ( $store ) {
			// Another writer (one whose lock was lost with its connection, say) records newer objects meanwhile.
			$record          = $store->get();
			$record['state'] = 'sealed-newer-record';
			$store->put( $record );
		};
		$result = $this->provisioning->step( 7, 'poll' );
		$this->assertSame( 'busy', $result['status'] );
		$this->assertSame( 'sealed-newer-record', $store->get()['state'], 'the stale result was discarded' );
		$this->assertSame( 2, $store->seq(), 'start wrote #1, the other writer #2, the stale poll nothing' );
	}

	public function test_an_idle_unfinished_run_is_purged_by_the_hourly_cron_and_a_moving_one_is_kept(): void {
		$this->assertNotFalse( wp_next_scheduled( Purge_Runs::HOOK ), 'scheduled' );
		$this->assertSame( 'hourly', wp_get_schedule( Purge_Runs::HOOK ) );
		$this->assertSame( HOUR_IN_SECONDS, Provision_State_Store::UNFINISHED_TTL );
		$store = new Provision_State_Store();
		$purge = new Purge_Runs( $store, new Provision_Lock() );

		$store->put( array( 'state' => 'sealed-with-refresh-token', 'status' => 'sign_in_required' ) );
		$this->assertFalse( $purge->run( time() + 30 * MINUTE_IN_SECONDS ), 'a run that moved half an hour ago is kept' );
		$this->assertNotNull( $store->get() );
		$this->assertTrue( $purge->run( time() + HOUR_IN_SECONDS + 60 ), 'a run idle for more than an hour is dropped' );
		$this->assertFalse( get_option( Provision_State_Store::OPTION ), 'gone from the database' );

		$store->put( array( 'state' => 'sealed-without-tokens', 'status' => 'done' ) );
		$this->assertFalse( $purge->run( time() + DAY_IN_SECONDS ), 'a finished run (no token, no secret) is kept for Undo setup' );

		// Runs of earlier versions (per user, sealed under the salt-derived key) are dropped too.
		update_user_meta( $this->admin_id(), 'wpcrm_connect_provision', array( 'state' => 'x' ) );
		$purge->run();
		$this->assertSame( '', get_user_meta( $this->admin_id(), 'wpcrm_connect_provision', true ) );

		Plugin::deactivate();
		$this->assertFalse( wp_next_scheduled( Purge_Runs::HOOK ), 'unscheduled on deactivation' );
		Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( Purge_Runs::HOOK ) );
	}

	public function test_one_run_per_site_recording_who_started_and_who_moved_it(): void {
		$this->engine->responses = array(
			array( 'status' => 'sign_in_required', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'pending' ), 'sign_in' => array( 'user_code' => 'ABCD1234', 'verification_uri' => 'https://microsoft.com/devicelogin' ) ),
			array( 'status' => 'in_progress', 'state' => 'sealed-state-2', 'steps' => $this->steps( 'running' ), 'step' => 'verify' ),
		);
		$admin = $this->admin_id();
		$first = $this->provisioning->step( $admin, 'start', array( 'instance_url' => 'https://contoso.crm.dynamics.com', 'tables' => array( 'contact' => array( 'read' ) ), 'secret_days' => 30, 'source' => 'browser' ) );
		$this->assertSame( 'sign_in_required', $first['status'] );
		$this->assertArrayNotHasKey( 'state', $first );
		$this->assertArrayNotHasKey( 'state', $this->engine->requests[0], 'a fresh run sends no state' );
		$this->assertSame( Provisioning::state_key(), $this->engine->requests[0]['state_key'] );
		$this->assertSame( 30, $this->engine->requests[0]['secret_lifetime_days'] );
		$this->assertSame( home_url( '/' ), $this->engine->requests[0]['site_id'] );
		$this->assertTrue( $this->engine->requests[0]['create_role'] );

		// WP-CLI (user 0) continues the same run.
		$this->provisioning->step( 0, 'poll', array( 'source' => 'cli' ) );
		$this->assertSame( 'sealed-state-1', $this->engine->requests[1]['state'] );
		$this->assertSame( 'https://contoso.crm.dynamics.com', $this->engine->requests[1]['instance_url'] );
		$this->assertSame( 'run', $this->engine->requests[1]['action'] );
		$record = $this->stored();
		$this->assertSame( 'sealed-state-2', $record['state'] );
		$this->assertSame( array( 'id' => $admin, 'login' => 'admin' ), $record['started_by'] );
		$this->assertSame( array( 'id' => 0, 'login' => '' ), $record['moved_by'] );
		$this->assertSame( 'cli', $record['source'] );
		$current = $this->provisioning->current();
		$this->assertSame( 'in_progress', $current['status'] );
		$this->assertSame( 'admin', $current['started_by'] );
		$this->assertArrayNotHasKey( 'state', $current );
		$this->assertSame( array(), get_user_meta( $admin, 'wpcrm_connect_provision' ), 'nothing in user meta (network-wide on multisite)' );
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

	public function test_after_saving_the_state_keeps_no_secret_forget_secret(): void {
		$this->engine->responses = array( $this->done(), $this->forgotten() );
		$result = $this->provisioning->step( 7, 'start' );
		$this->assertSame( 'done', $result['status'] );
		$this->assertSame( self::SECRET, $this->service( 'settings' )->secret(), 'saved first' );
		$this->assertSame( 'forget_secret', $this->engine->requests[1]['action'] );
		$this->assertSame( 'sealed-state-3', $this->engine->requests[1]['state'] );
		$this->assertSame( Provisioning::state_key(), $this->engine->requests[1]['state_key'] );
		$record = $this->stored();
		$this->assertSame( 'sealed-state-without-secret', $record['state'], 'the state the engine returned without the secret' );
		$this->assertSame( 'engine', $record['secret_forgotten'] );
		$this->assertTrue( $this->provisioning->current()['can_rollback'], 'Undo setup stays possible' );
		$this->assertTrue( $result['can_rollback'] );
	}

	public function test_after_saving_an_engine_without_forget_secret_makes_the_plugin_drop_the_state(): void {
		$this->engine->responses        = array( $this->done() );
		$this->engine->no_forget_secret = true;
		$result = $this->provisioning->step( 7, 'start' );
		$this->assertSame( 'done', $result['status'] );
		$this->assertSame( self::SECRET, $this->service( 'settings' )->secret() );
		$this->assertSame( 'forget_secret', $this->engine->requests[1]['action'] );
		$record = $this->stored();
		$this->assertNull( $record['state'], 'the sealed state (with the secret) is gone' );
		$this->assertSame( 'dropped', $record['secret_forgotten'] );
		$this->assertSame( self::APP, $record['application_id'], 'the record of what was created is kept' );
		$this->assertSame( 'obj-1', $record['created']['object_id'] );
		$this->assertSame( self::APP, $this->provisioning->current()['application_id'] );
		$this->assertFalse( $this->provisioning->current()['can_rollback'] );
		$this->assertFalse( $result['can_rollback'] );
		// A later rollback or poll does not start a new run from nothing.
		$this->assertSame( 'no_state', $this->provisioning->step( 7, 'rollback' )['error']['code'] );
		$this->assertSame( 'done', $this->provisioning->step( 7, 'poll' )['status'] );
		$this->assertCount( 2, $this->engine->requests );

		// The page says why "Undo setup" is not offered.
		$this->login( 'admin' );
		set_current_screen( 'settings_page_wpcrm-connect' );
		$this->service( 'page' )->add_fields();
		ob_start();
		$this->service( 'page' )->render();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-undo-unavailable"', $html );
		$this->assertMatchesRegularExpression( '/id="wpcrm-rollback-button"[^>]*hidden/', $html );
	}

	public function test_every_tenant_change_is_recorded_with_who_and_where_without_secrets(): void {
		$admin = $this->admin_id();
		$at    = '2026-12-06T10:00:00Z';
		$done  = $this->done();
		$done['changes'] = array(
			array( 'action' => 'created', 'kind' => 'application', 'id' => self::APP, 'detail' => 'WordPress: test', 'at' => $at ),
			array( 'action' => 'created', 'kind' => 'client_secret', 'id' => 'key-1', 'detail' => 'value ' . self::SECRET, 'at' => $at ),
			array( 'action' => 'exploded', 'kind' => 'application', 'id' => 'x', 'detail' => '', 'at' => $at ),
		);
		$done['notices'] = array( array( 'code' => 'lookalike_ignored', 'message' => 'An app named like this site\'s could not be proven ours and was left alone.' ) );
		$this->engine->responses = array(
			array( 'status' => 'sign_in_required', 'state' => 'sealed-state-1', 'steps' => $this->steps( 'pending' ), 'sign_in' => array( 'user_code' => 'X', 'verification_uri' => 'u' ) ),
			$done,
			$this->forgotten(),
		);
		$this->provisioning->step( $admin, 'start', array( 'source' => 'browser' ) );
		$this->assertSame( array(), ( new Audit_Log() )->all(), 'an answer without `changes` records nothing' );
		$result = $this->provisioning->step( 0, 'poll', array( 'source' => 'cli' ) );
		$this->assertSame( 'lookalike_ignored', $result['notices'][0]['code'], 'notices reach the admin' );

		$log = ( new Audit_Log() )->all();
		$this->assertCount( 2, $log, 'unknown actions are not recorded' );
		$this->assertSame( array( 'created', 'application', self::APP, 0, 'cli', get_current_blog_id() ), array( $log[0]['action'], $log[0]['kind'], $log[0]['id'], $log[0]['user_id'], $log[0]['source'], $log[0]['blog_id'] ) );
		$this->assertSame( '2026-12-06T10:00:00+00:00', $log[0]['at'] );
		$this->assertStringNotContainsString( self::SECRET, (string) wp_json_encode( get_option( Audit_Log::OPTION ) ), 'never a secret value' );
		$this->assertSame( 'no', $GLOBALS['wpdb']->get_var( $GLOBALS['wpdb']->prepare( "SELECT autoload FROM {$GLOBALS['wpdb']->options} WHERE option_name = %s", Audit_Log::OPTION ) ) );

		// Capped at the last 500, with the login of the user who made them.
		$many = array();
		for ( $i = 0; $i < 520; $i++ ) {
			$many[] = array( 'action' => 'updated', 'kind' => 'role', 'id' => 'role-' . $i, 'detail' => '', 'at' => $at );
		}
		( new Audit_Log() )->record( $many, $admin, 'browser' );
		$log = ( new Audit_Log() )->all();
		$this->assertCount( Audit_Log::MAX, $log );
		$this->assertSame( 'role-519', end( $log )['id'] );
		$this->assertSame( 'admin', end( $log )['user_login'] );

		// Shown on the settings page, escaped.
		( new Audit_Log() )->record( array( array( 'action' => 'removed', 'kind' => 'owner', 'id' => '<script>x</script>', 'detail' => '<b>d</b>', 'at' => $at ) ), $admin, 'browser' );
		$this->login( 'admin' );
		ob_start();
		$this->service( 'page' )->render_audit();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-audit"', $html );
		$this->assertStringContainsString( 'Removed owner', $html );
		$this->assertStringNotContainsString( '<script>x', $html );
		$this->assertStringContainsString( 'role-519', $html );
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
		$this->assertTrue( $this->provisioning->current()['can_rollback'], 'what was created can still be undone' );

		$this->provisioning->step( 7, 'start' );
		$this->assertArrayNotHasKey( 'state', $this->engine->requests[3], 'a cancelled run starts over' );
	}

	public function test_rollback_clears_the_values_it_had_saved(): void {
		add_filter( 'wpcrm_connect_legacy_plugin_active', '__return_true' );
		$this->engine->responses = array(
			$this->done(),
			$this->forgotten(),
			array( 'status' => 'in_progress', 'state' => 'sealed-rb-1', 'steps' => array() ),
			array( 'status' => 'done', 'state' => 'sealed-rb-2', 'steps' => array() ),
		);
		$this->provisioning->step( 7, 'start' );
		$this->assertSame( 'in_progress', $this->provisioning->step( 7, 'rollback' )['status'] );
		$this->assertSame( 'rollback', $this->engine->requests[2]['action'] );
		$this->assertSame( 'sealed-state-without-secret', $this->engine->requests[2]['state'] );
		$this->assertSame( self::APP, $this->service( 'settings' )->connection()['application_id'], 'kept until the rollback finished' );
		$this->assertSame( 'rolled_back', $this->provisioning->step( 7, 'rollback' )['status'] );
		$this->assertSame( '', $this->service( 'settings' )->connection()['application_id'] );
		$this->assertSame( 'missing', $this->service( 'settings' )->secret_state() );
		$this->assertSame( '', get_option( Legacy_Options::OPTION )['clientSecret'] );
		$this->assertNull( $this->provisioning->current() );
	}

	public function test_an_exception_from_the_engine_becomes_a_failed_result(): void {
		$result = $this->provisioning->step( 7, 'start' ); // No scripted response: the engine throws.
		$this->assertSame( 'failed', $result['status'] );
		$this->assertSame( 'exception', $result['error']['code'] );
	}

	public function test_a_repair_left_half_way_goes_back_to_the_finished_setup_and_keeps_no_sign_in(): void {
		$this->engine->responses = array( $this->done(), $this->forgotten() );
		$this->assertSame( 'done', $this->provisioning->step( 7, 'start' )['status'] );

		// The repair signs in: the engine's state now holds the admin's sign-in.
		$this->engine->responses = array( array( 'status' => 'sign_in_required', 'state' => 'sealed-repair-signing-in', 'steps' => $this->steps( 'pending' ) ) );
		$this->assertSame( 'sign_in_required', $this->provisioning->step( 7, 'repair' )['status'] );
		$record = $this->stored();
		$this->assertSame( 'repair', $record['mode'] );
		$this->assertSame( 'sealed-repair-signing-in', $record['state'] );
		$this->assertSame( 'sealed-state-without-secret', $record['finished_state'] );

		// Abandoned: after an hour the purge restores the finished setup instead of deleting the record.
		$this->assertTrue( ( new Provision_State_Store() )->purge_idle( time() + Provision_State_Store::UNFINISHED_TTL + 60 ) );
		$record = $this->stored();
		$this->assertNotNull( $record, 'Undo and Repair still have the finished setup' );
		$this->assertSame( 'done', $record['status'] );
		$this->assertSame( 'sealed-state-without-secret', $record['state'], 'the state without the sign-in' );
		$this->assertArrayNotHasKey( 'mode', $record );
		$this->assertArrayNotHasKey( 'finished_state', $record );

		// A repair that fails ends as the finished setup too (the engine dropped its sign-in).
		$this->engine->responses = array( array( 'status' => 'failed', 'state' => 'sealed-repair-failed', 'steps' => $this->steps( 'failed' ), 'error' => array( 'step' => 'app_user', 'code' => '0x80040220', 'message' => 'x', 'fix' => 'y' ) ) );
		$this->assertSame( 'failed', $this->provisioning->step( 7, 'repair' )['status'] );
		$record = $this->stored();
		$this->assertSame( 'done', $record['status'] );
		$this->assertArrayNotHasKey( 'finished_state', $record );
	}
}
