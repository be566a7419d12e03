<?php
/**
 * "Renew secret": the REST path against the real extension and the sandbox (one admin sign-in, a new
 * secret on the same application, saved to both options), and the plugin's handling of the engine's
 * answers with a scripted engine (support/Scripted_Engine.php): the new secret is saved (own settings,
 * then the legacy option) before `forget_secret` is sent, and nothing is saved when a renewal fails.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Audit_Log;
use Wpcrm\Connect\Legacy_Options;
use Wpcrm\Connect\Provision_Lock;
use Wpcrm\Connect\Renewal;
use Wpcrm\Connect\Settings;

final class RenewalTest extends TestCase {

	private const NEW_SECRET = 'Sbx8Q~renewedSecretValue.00000000000000000042';

	/** @var Scripted_Engine */
	private $engine;

	protected function setUp(): void {
		parent::setUp();
		$this->engine = new Scripted_Engine();
	}

	private function renewal(): Renewal {
		return new Renewal( $this->engine, $this->service( 'settings' ), $this->service( 'legacy' ), $this->service( 'verifier' ), new Audit_Log(), new Provision_Lock() );
	}

	private function renew_done(): array {
		return array(
			'status'       => 'done',
			'state'        => 'sealed-renewal-done',
			'steps'        => array( array( 'id' => 'secret_active', 'title' => 'Wait until Entra ID accepts the new secret', 'status' => 'done' ) ),
			'connection'   => array(
				'instance_url'          => Sandbox::instance_url(),
				'tenant_id'             => \Fixtures::tenant()['id'],
				'application_id'        => Sandbox::app_ok(),
				'client_secret'         => self::NEW_SECRET,
				'secret_expires_at'     => '2027-06-04T10:00:00Z',
				'secret_key_id'         => 'key-2',
				'application_object_id' => 'obj-1',
			),
			'verification' => array( 'ok' => true, 'status' => 'pass', 'checks' => array() ),
			'changes'      => array(),
			'notices'      => array(),
		);
	}

	private function forgotten(): array {
		$done                                = $this->renew_done();
		$done['state']                       = 'sealed-renewal-forgotten';
		$done['connection']['client_secret'] = '';
		$done['notices']                     = array( array( 'code' => 'older_secrets_kept', 'message' => 'Older secrets stay.' ) );
		return $done;
	}

	public function test_the_new_secret_is_saved_to_both_options_before_forget_secret_is_sent(): void {
		add_filter( 'wpcrm_connect_legacy_plugin_active', '__return_true' );
		$this->save_seeded_connection();
		$this->service( 'legacy' )->write( Sandbox::instance_url(), Sandbox::app_ok(), Sandbox::secret_ok() );
		$this->engine->responses = array( $this->renew_done(), $this->forgotten() );
		$seen_at_forget       = null;
		$this->engine->during = function ( $request ) use ( &$seen_at_forget ) {
			if ( 'forget_secret' === $request['action'] ) {
				$seen_at_forget = array(
					'settings' => $this->service( 'settings' )->secret(),
					'legacy'   => get_option( Legacy_Options::OPTION )['clientSecret'] ?? null,
				);
			}
		};
		$result = $this->renewal()->step( $this->admin_id(), array( 'secret_days' => 90 ) );
		$this->assertSame( 'done', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( array( 'renew', 'forget_secret' ), wp_list_pluck( $this->engine->requests, 'action' ) );
		$this->assertSame( array( 'settings' => self::NEW_SECRET, 'legacy' => self::NEW_SECRET ), $seen_at_forget, 'both saved before the older secrets go' );
		$this->assertSame( array( Settings::OPTION, Legacy_Options::OPTION ), $result['saved_to'] );
		$this->assertSame( '2027-06-04T10:00:00Z', $this->service( 'settings' )->secret_expires_at() );
		$this->assertSame( 'sealed-renewal-done', $this->engine->requests[1]['state'] );
		// What the request carried: only what the site recorded about its connection.
		$renew = $this->engine->requests[0];
		$this->assertSame( Sandbox::app_ok(), $renew['application_id'] );
		$this->assertSame( Sandbox::instance_url(), $renew['instance_url'] );
		$this->assertSame( 90, $renew['secret_lifetime_days'] );
		$this->assertSame( home_url( '/' ), $renew['site_id'] );
		$this->assertArrayNotHasKey( 'state', $renew, 'a new renewal starts without a state' );
		// Nothing secret leaves the server; the renewal's record is gone (no state with a sign-in left).
		$this->assertStringNotContainsString( self::NEW_SECRET, (string) wp_json_encode( $result ) );
		$this->assertSame( array( 'older_secrets_kept' ), wp_list_pluck( $result['notices'], 'code' ) );
		$this->assertFalse( get_option( Renewal::OPTION ) );
		$this->assertSame( 'renew', $this->service( 'verifier' )->last()['trigger'] );
	}

	public function test_a_renewal_that_fails_or_is_under_way_saves_nothing_and_resumes_with_its_state(): void {
		$this->save_seeded_connection();
		$this->engine->responses = array(
			array( 'status' => 'in_progress', 'state' => 'sealed-renewal-1', 'steps' => array(), 'step' => 'secret_active' ),
			array(
				'status' => 'failed',
				'state'  => 'sealed-renewal-2',
				'steps'  => array(),
				'error'  => array( 'step' => 'client_secret', 'code' => 'CredentialInvalidLifetimeAsPerAppPolicy', 'message' => 'Credential lifetime exceeds the max value allowed as per assigned policy.', 'fix' => 'Run again with a shorter secret_lifetime_days.' ),
			),
		);
		$this->assertSame( 'in_progress', $this->renewal()->step( $this->admin_id() )['status'] );
		$failed = $this->renewal()->step( $this->admin_id() );
		$this->assertSame( 'failed', $failed['status'] );
		$this->assertSame( 'CredentialInvalidLifetimeAsPerAppPolicy', $failed['error']['code'] );
		$this->assertSame( 'sealed-renewal-1', $this->engine->requests[1]['state'], 'the second step continues the first' );
		$this->assertSame( array( 'renew', 'renew' ), wp_list_pluck( $this->engine->requests, 'action' ), 'no forget_secret' );
		$this->assertSame( Sandbox::secret_ok(), $this->service( 'settings' )->secret(), 'the site keeps its secret' );
		$this->assertSame( 'failed', $this->renewal()->get()['status'] );
	}

	public function test_a_renewal_left_half_way_is_purged_after_an_hour(): void {
		$this->save_seeded_connection();
		$this->engine->responses = array( array( 'status' => 'sign_in_required', 'state' => 'sealed-renewal-1', 'steps' => array() ) );
		$this->renewal()->step( $this->admin_id() );
		$this->assertFalse( Renewal::purge_idle(), 'fresh' );
		$this->assertIsArray( get_option( Renewal::OPTION ) );
		( new \Wpcrm\Connect\Health\Purge_Runs( new \Wpcrm\Connect\Provision_State_Store(), new Provision_Lock() ) )->run( time() + Renewal::TTL + 1 );
		$this->assertFalse( get_option( Renewal::OPTION ), 'the hourly purge dropped it' );
	}

	public function test_without_a_saved_connection_renewing_is_refused_without_the_engine(): void {
		$result = $this->renewal()->step( $this->admin_id() );
		$this->assertSame( 'no_connection', $result['error']['code'] );
		$this->assertCount( 0, $this->engine->requests );
	}

	public function test_the_rest_route_needs_the_capability(): void {
		$this->save_seeded_connection();
		$this->login( 'editor' );
		$response = $this->rest( 'POST', '/provision', array( 'action' => 'renew' ) );
		$this->assertSame( 403, $response->get_status() );
	}

	public function test_renew_through_rest_signs_in_once_and_saves_a_working_secret(): void {
		$this->requireSandbox();
		add_filter( 'wpcrm_connect_legacy_plugin_active', '__return_true' );
		$this->save_seeded_connection();
		$this->login( 'admin' );
		$codes = array();
		for ( $i = 0; $i < 30; $i++ ) {
			$response = $this->rest( 'POST', '/provision', array( 'action' => 'renew', 'secret_days' => 60 ) );
			$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
			$data = $response->get_data();
			if ( 'sign_in_required' === $data['status'] ) {
				$code = $data['sign_in']['user_code'];
				if ( ! in_array( $code, $codes, true ) ) {
					$this->assertSame( 204, Sandbox::approve( $code ) );
					$codes[] = $code;
				}
				sleep( 1 );
				continue;
			}
			if ( 'in_progress' !== $data['status'] ) {
				break;
			}
		}
		$this->assertSame( 'done', $data['status'], wp_json_encode( $data ) );
		$this->assertCount( 1, $codes, 'one sign-in' );
		$this->assertSame( 'renew', $data['flow'] );
		$this->assertSame( array( 'sign_in', 'application', 'client_secret', 'secret_active', 'verify' ), wp_list_pluck( $data['steps'], 'id' ) );
		$secret = $this->service( 'settings' )->secret();
		$this->assertNotSame( Sandbox::secret_ok(), $secret, 'a new secret was saved' );
		$this->assertSame( $secret, get_option( Legacy_Options::OPTION )['clientSecret'] );
		$this->assertStringNotContainsString( $secret, (string) wp_json_encode( $data ), 'the secret stays on the server' );
		$this->assertSame( Sandbox::app_ok(), $this->service( 'settings' )->connection()['application_id'], 'the same application' );
		$expires = strtotime( (string) $this->service( 'settings' )->secret_expires_at() );
		$this->assertEqualsWithDelta( time() + 60 * DAY_IN_SECONDS, $expires, 2 * DAY_IN_SECONDS );
		// The saved secret works.
		$report = $this->service( 'verifier' )->run( null, 'admin' );
		$this->assertNotSame( 'fail', $report['status'], wp_json_encode( $report['checks'] ) );
	}
}
