<?php
/**
 * Repair and drift: the REST repair path against the sandbox (setup, a role removed through the
 * control API, verify fails with a repairable check and its "Repair" button, `action: repair`
 * with one sign-in, verify passes, no new app or secret); the daily check recording the audit and
 * reporting what changed in Site Health and the notice; `wp wpcrm repair` through the real WP-CLI.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Admin\Report_View;
use Wpcrm\Connect\Health\Drift;

final class RepairTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		// Other tests' daily checks may have recorded what they saw.
		delete_option( Drift::SEEN_OPTION );
		delete_option( Drift::DRIFT_OPTION );
	}

	private function post( array $params ): array {
		$response = $this->rest( 'POST', '/provision', $params );
		$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$data = $response->get_data();
		$this->assertArrayNotHasKey( 'state', $data );
		$this->assertArrayNotHasKey( 'secret', $data );
		return $data;
	}

	/** Approves the sign-in `result` asks for, then polls until the run settles. */
	private function signed_in( array $result ): array {
		$this->assertSame( 'sign_in_required', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 204, Sandbox::approve( $result['sign_in']['user_code'] ) );
		for ( $i = 0; $i < 120 && in_array( $result['status'], array( 'sign_in_required', 'in_progress' ), true ); $i++ ) {
			usleep( 'sign_in_required' === $result['status'] ? 1100000 : 100000 );
			$result = $this->post( array( 'action' => 'poll' ) );
		}
		return $result;
	}

	/** The sandbox's applications and their secrets. */
	private static function apps_and_secrets(): array {
		$apps = (array) Sandbox::state()['applications'];
		$keys = 0;
		foreach ( $apps as $app ) {
			$keys += count( (array) $app['passwordCredentials'] );
		}
		return array( count( $apps ), $keys );
	}

	public function test_a_removed_role_is_repaired_through_rest_in_one_sign_in(): void {
		$this->requireSandbox();
		Sandbox::reset();
		$this->login( 'admin' );
		$done = $this->signed_in(
			$this->post(
				array(
					'action'       => 'start',
					'instance_url' => Sandbox::instance_url(),
					'tables'       => 'account: read',
				)
			)
		);
		$this->assertSame( 'done', $done['status'], wp_json_encode( $done ) );
		$before = self::apps_and_secrets();
		$app_id = $done['connection']['application_id'];
		$role   = '';
		foreach ( (array) Sandbox::state()['environments'][ Sandbox::environment() ]['roles'] as $r ) {
			if ( strcasecmp( (string) $r['roleid'], (string) $done['connection']['role_id'] ) === 0 ) {
				$role = (string) $r['name'];
			}
		}
		$this->assertSame( 204, Sandbox::remove_role( $app_id, $role ) );
		$this->assertSame( 204, Sandbox::remove_role( $app_id, 'Basic User' ) );

		$broken = $this->service( 'verifier' )->run();
		$this->assertSame( 'fail', $broken['status'], wp_json_encode( $broken['checks'] ) );
		$repairable = array_values( array_filter( $broken['checks'], static function ( $c ) {
			return ! empty( $c['repairable'] );
		} ) );
		$this->assertNotEmpty( $repairable, wp_json_encode( $broken['checks'] ) );
		$html = Report_View::render( $broken );
		$this->assertStringContainsString( 'class="button wpcrm-repair-button"', $html );

		$repaired = $this->signed_in( $this->post( array( 'action' => 'repair' ) ) );
		$this->assertSame( 'done', $repaired['status'], wp_json_encode( $repaired ) );
		$this->assertTrue( $repaired['repaired'] );
		$this->assertNotEmpty( $repaired['changes'] );
		$this->assertArrayNotHasKey( 'connection', $repaired );
		$this->assertSame( 'pass', $repaired['verification']['status'], wp_json_encode( $repaired['verification']['checks'] ) );
		$this->assertSame( $before, self::apps_and_secrets(), 'repair made no new application or secret' );
		$this->assertSame( 'repair', $this->service( 'verifier' )->last()['trigger'] );
		$this->assertTrue( $this->service( 'verifier' )->run()['ok'] );
		// The repair is in the audit trail; the run can still be undone.
		$this->assertTrue( $this->service( 'provisioning' )->current()['can_rollback'] );
	}

	public function test_repair_without_a_finished_setup_is_refused(): void {
		$this->requireExtension();
		$this->login( 'admin' );
		$result = $this->post( array( 'action' => 'repair' ) );
		$this->assertSame( 'failed', $result['status'] );
		$this->assertSame( 'nothing_to_repair', $result['error']['code'] );
	}

	public function test_repair_needs_the_setup_capability(): void {
		$this->login( 'editor' );
		$response = $this->rest( 'POST', '/provision', array( 'action' => 'repair' ) );
		$this->assertContains( $response->get_status(), array( 401, 403 ) );
	}

	/** A report whose audit saw `roles` and `privileges`. */
	private static function report( array $roles, array $privileges ): array {
		$list = array();
		foreach ( $roles as $id => $name ) {
			$list[] = array(
				'id'               => $id,
				'name'             => $name,
				'business_unit_id' => null,
			);
		}
		return array(
			'ok'     => true,
			'status' => 'pass',
			'checks' => array(),
			'audit'  => array(
				'roles'              => $list,
				'privileges'         => $privileges,
				'root_business_unit' => true,
			),
		);
	}

	public function test_drift_is_recorded_and_reported_in_site_health_and_the_notice(): void {
		$drift = new Drift();
		$this->assertSame( array(), $drift->record( self::report( array( 'r1' => 'Basic User' ), array( 'prvreadaccount' => 'global' ) ), 1000 ), 'the first run only records' );
		$this->assertNull( Drift::latest() );
		$this->assertSame( 'good', $drift->test()['status'] );

		$changes = $drift->record(
			self::report(
				array(
					'r1' => 'Basic User',
					'r2' => 'System Administrator',
				),
				array(
					'prvreadaccount'   => 'basic',
					'prvdeleteaccount' => 'global',
				)
			),
			2000
		);
		$kinds = array_column( $changes, 'kind', 'what' );
		$this->assertSame( 'role_added', $kinds['System Administrator'] );
		$this->assertSame( 'privilege_shallower', $kinds['prvreadaccount'] );
		$this->assertSame( 'privilege_added', $kinds['prvdeleteaccount'] );
		$result = $drift->test();
		$this->assertSame( 'recommended', $result['status'] );
		$this->assertStringContainsString( 'System Administrator', $result['description'] );

		$this->login( 'admin' );
		ob_start();
		$this->service( 'notices' )->render();
		$notices = (string) ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-notice-drift"', $notices );
		$this->assertStringContainsString( 'role &quot;System Administrator&quot; was assigned', $notices );

		// A run with nothing new clears the drift.
		$drift->record( self::report( array( 'r1' => 'Basic User', 'r2' => 'System Administrator' ), array( 'prvreadaccount' => 'basic', 'prvdeleteaccount' => 'global' ) ), 3000 );
		$this->assertNull( Drift::latest() );
	}

	public function test_the_daily_check_records_what_the_audit_saw(): void {
		$this->requireSandbox();
		Sandbox::reset();
		$this->save_seeded_connection( array( 'account' => array( 'read' ) ) );
		$check = $this->service( 'daily_check' );
		$this->assertNotNull( $check->run() );
		$seen = get_option( Drift::SEEN_OPTION );
		$this->assertIsArray( $seen );
		$this->assertArrayHasKey( 'prvreadaccount', $seen['privileges'] );

		$this->assertSame( 204, Sandbox::remove_role( Sandbox::app_ok(), 'WordPress Site Reader' ) );
		$check->run();
		$drift = Drift::latest();
		$this->assertNotNull( $drift, 'the removed role\'s privileges are drift' );
		$this->assertContains( 'privilege_removed', array_column( $drift['changes'], 'kind' ) );
	}

	public function test_wp_wpcrm_repair_shows_the_sign_in_in_the_terminal_and_repairs(): void {
		$this->requireSandbox();
		Sandbox::reset();
		$this->login( 'admin' );
		$done = $this->signed_in( $this->post( array( 'action' => 'start', 'instance_url' => Sandbox::instance_url(), 'tables' => 'account: read' ) ) );
		$this->assertSame( 'done', $done['status'], wp_json_encode( $done ) );
		$app_id = $done['connection']['application_id'];
		$this->assertSame( 204, Sandbox::call( 'POST', '/_sandbox/users/disable', array( 'environment' => Sandbox::environment(), 'application_id' => $app_id ) )['status'] );
		$this->assertSame( 'fail', $this->service( 'verifier' )->run()['status'] );

		// The real WP-CLI: the code on STDERR with --format=json, one document on STDOUT.
		$proc   = Wp_Cli::start( array( 'wpcrm', 'repair', '--yes', '--format=json', '--user=admin' ), true, $pipes );
		fclose( $pipes[0] );
		$stderr = '';
		$code   = '';
		for ( $deadline = microtime( true ) + 60; '' === $code && ! feof( $pipes[2] ) && microtime( true ) < $deadline; ) {
			$line    = (string) fgets( $pipes[2] );
			$stderr .= $line;
			if ( preg_match( '/enter the code ([A-Z0-9]{8})/', $line, $m ) ) {
				$code = $m[1];
			}
		}
		$this->assertNotSame( '', $code, 'no code on STDERR: ' . $stderr );
		$this->assertStringContainsString( 'To sign in, open ' . Sandbox::url() . '/devicelogin', $stderr );
		$this->assertSame( 204, Sandbox::approve( $code ) );
		$result = array(
			'stdout' => (string) stream_get_contents( $pipes[1] ),
			'stderr' => $stderr . stream_get_contents( $pipes[2] ),
		);
		$result['code'] = proc_close( $proc );
		wp_cache_flush();
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$document = json_decode( $result['stdout'], true );
		$this->assertSame( 'repaired', $document['status'] ?? null, Wp_Cli::describe( $result ) );
		$this->assertSame( 'pass', $document['verification'] );
		$this->assertContains( 'enabled (repair)', array_column( $document['changes'], 'detail' ) );
		$secret = (string) $this->service( 'settings' )->secret();
		$this->assertStringNotContainsString( $secret, $result['stdout'] . $result['stderr'] );
		$this->assertTrue( $this->service( 'verifier' )->run()['ok'] );
	}

	public function test_wp_wpcrm_repair_is_documented_and_refuses_without_a_setup(): void {
		$help = Wp_Cli::run( array( 'help', 'wpcrm', 'repair' ) );
		$this->assertSame( 0, $help['code'], Wp_Cli::describe( $help ) );
		foreach ( array( '[--yes]', '[--format=<format>]', 'EXAMPLES' ) as $part ) {
			$this->assertStringContainsString( $part, $help['stdout'] );
		}
		$result = Wp_Cli::run( array( 'wpcrm', 'repair', '--yes', '--format=json' ) );
		$this->assertSame( 1, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertSame( 'nothing_to_repair', json_decode( $result['stdout'], true )['error']['code'] ?? null, Wp_Cli::describe( $result ) );
	}
}
