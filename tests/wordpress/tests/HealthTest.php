<?php
/**
 * The daily WP-Cron check, the Site Health test "Dataverse connection", the failure notice and the
 * masked debug information.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Health\Daily_Check;
use Wpcrm\Connect\Health\Site_Health;
use Wpcrm\Connect\Plugin;
use Wpcrm\Connect\Verifier;

final class HealthTest extends TestCase {

	private function report( string $status ): array {
		$checks = array(
			array( 'id' => 'input', 'status' => 'pass', 'title' => 'Connection values', 'detail' => 'ok', 'fix' => null, 'code' => null, 'elapsed_ms' => 0 ),
			array( 'id' => 'token', 'status' => 'pass', 'title' => 'Sign in as the application', 'detail' => 'ok', 'fix' => null, 'code' => null, 'elapsed_ms' => 80 ),
			array(
				'id'         => 'table:incident',
				'status'     => 'fail' === $status ? 'fail' : 'pass',
				'title'      => 'Table incident',
				'detail'     => 'fail' === $status ? 'The application user may not read Case (incident).' : 'read: global',
				'fix'        => 'fail' === $status ? 'Give the application user a role with read access to Case.' : null,
				'code'       => 'fail' === $status ? '0x80040220' : null,
				'elapsed_ms' => 40,
			),
		);
		return array( 'ok' => 'fail' !== $status, 'status' => $status, 'checks' => $checks, 'elapsed_ms' => 120, 'requests' => 4 );
	}

	private function health(): Site_Health {
		return $this->service( 'site_health' );
	}

	public function test_the_test_is_registered_as_a_direct_test(): void {
		$tests = apply_filters( 'site_status_tests', array( 'direct' => array(), 'async' => array() ) );
		$this->assertArrayHasKey( 'wpcrm_connection', $tests['direct'] );
		$this->assertSame( 'Dataverse connection', $tests['direct']['wpcrm_connection']['label'] );
		$this->assertIsCallable( $tests['direct']['wpcrm_connection']['test'] );
	}

	public function test_results_follow_the_last_check(): void {
		$this->requireExtension();
		$verifier = $this->service( 'verifier' );

		$result = $this->health()->test();
		$this->assertSame( 'recommended', $result['status'], 'never checked' );
		$this->assertSame( 'wpcrm_connection', $result['test'] );

		$verifier->store( $this->report( 'pass' ), 'cron' );
		$this->assertSame( 'good', $this->health()->test()['status'] );

		$verifier->store( $this->report( 'fail' ), 'cron' );
		$result = $this->health()->test();
		$this->assertSame( 'critical', $result['status'] );
		$this->assertSame( 'red', $result['badge']['color'] );
		$this->assertStringContainsString( 'Give the application user a role with read access to Case.', $result['description'] );
	}

	public function test_a_secret_expiring_within_30_days_is_reported(): void {
		$this->requireExtension();
		$this->service( 'verifier' )->store( $this->report( 'pass' ), 'cron' );

		$this->service( 'settings' )->save( array( 'client_secret' => 'Sbx8Q~value-000000000000000000', 'secret_expires_at' => gmdate( 'c', time() + 10 * DAY_IN_SECONDS + 3600 ) ) );
		$result = $this->health()->test();
		$this->assertSame( 'recommended', $result['status'] );
		$this->assertSame( 'The Dataverse client secret expires soon', $result['label'] );
		$this->assertStringContainsString( 'expires in 10 days', $result['description'] );

		$this->service( 'settings' )->save( array( 'client_secret' => 'Sbx8Q~value-000000000000000000', 'secret_expires_at' => gmdate( 'c', time() + 90 * DAY_IN_SECONDS ) ) );
		$this->assertSame( 'good', $this->health()->test()['status'] );

		$this->service( 'settings' )->save( array( 'client_secret' => 'Sbx8Q~value-000000000000000000', 'secret_expires_at' => gmdate( 'c', time() - DAY_IN_SECONDS ) ) );
		$this->assertSame( 'critical', $this->health()->test()['status'] );
	}

	public function test_the_failure_notice_names_the_failed_check(): void {
		$this->login( 'admin' );
		$this->service( 'verifier' )->store( $this->report( 'fail' ), 'cron' );
		ob_start();
		$this->service( 'notices' )->render();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-notice-check-failed"', $html );
		$this->assertStringContainsString( 'Table incident', $html );

		$this->login( 'editor' );
		ob_start();
		$this->service( 'notices' )->render();
		$this->assertSame( '', ob_get_clean(), 'only for users who can fix it' );
	}

	public function test_debug_information_is_masked(): void {
		$secret = Sandbox::secret_ok();
		$app    = Sandbox::app_ok();
		$this->service( 'settings' )->save( array( 'application_id' => $app, 'client_secret' => $secret ) );
		$info   = apply_filters( 'debug_information', array() );
		$fields = $info['wpcrm-connect']['fields'];
		$dump   = wp_json_encode( $info['wpcrm-connect'] );
		$this->assertStringNotContainsString( $secret, $dump );
		$this->assertStringNotContainsString( $app, $dump );
		$this->assertSame( 'set', $fields['client_secret']['value'] );
		$this->assertTrue( $fields['client_secret']['private'] );
		$this->assertStringStartsWith( substr( $app, 0, 4 ), $fields['application_id']['value'] );
	}

	public function test_the_daily_check_is_scheduled_on_activation_and_cleared_on_deactivation(): void {
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ), 'scheduled when the plugin was activated' );
		$this->assertSame( 'daily', wp_get_schedule( Daily_Check::HOOK ) );
		Plugin::deactivate();
		$this->assertFalse( wp_next_scheduled( Daily_Check::HOOK ) );
		// Rescheduled on init if missing.
		$this->assertNotFalse( has_action( 'init', array( $this->service( 'daily_check' ), 'ensure_scheduled' ) ) );
		$this->service( 'daily_check' )->ensure_scheduled();
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ) );
		Plugin::deactivate();
		Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ) );
		$this->assertSame( '', (string) get_option( Daily_Check::SCHEDULE_ERROR_OPTION, '' ) );
	}

	public function test_the_cron_check_verifies_against_the_sandbox_and_catches_a_broken_connection(): void {
		$this->requireSandbox();
		$this->save_seeded_connection( array( 'contact' => array( 'read' ), 'incident' => array( 'read' ) ) );

		do_action( Daily_Check::HOOK );
		$last = $this->service( 'verifier' )->last();
		$this->assertNotNull( $last );
		$this->assertSame( 'cron', $last['trigger'] );
		$this->assertSame( 'pass', Verifier::status( $last['report'] ), wp_json_encode( $last['report'] ) );
		$this->assertSame( 'good', $this->health()->test()['status'] );

		// Break it the way an admin would: remove the role that grants read on incident.
		$this->assertSame( 204, Sandbox::remove_role( Sandbox::app_ok(), 'WordPress Site Reader' ) );
		do_action( Daily_Check::HOOK );
		$last = $this->service( 'verifier' )->last();
		$this->assertSame( 'fail', Verifier::status( $last['report'] ) );
		$failed = wp_list_pluck( Verifier::checks_with( $last['report'], 'fail' ), 'id' );
		$this->assertContains( 'table:incident', $failed );
		$this->assertSame( 'critical', $this->health()->test()['status'] );
	}
}
