<?php
/**
 * Saving new connection values: the instance URL is normalized (and the screen says so), and the last
 * report says which values it checked and shows as out of date once the saved ones differ.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Admin\Report_Context;
use Wpcrm\Connect\Settings;

final class SettingsStaleReportTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		$GLOBALS['wp_settings_errors'] = array();
	}

	/** Settings errors added since setUp, code => type. */
	private function notices(): array {
		return wp_list_pluck( get_settings_errors( Settings::OPTION ), 'type', 'code' );
	}

	public function test_a_url_copied_from_the_browser_is_saved_as_the_environment_address(): void {
		$cases = array(
			'https://Contoso.crm.dynamics.com/main.aspx?appid=0f1e2d3c-aaaa-bbbb-cccc-1234567890ab&pagetype=entitylist&etn=contact' => 'https://contoso.crm.dynamics.com',
			'https://contoso.crm4.dynamics.com/api/data/v9.2/'                                                                     => 'https://contoso.crm4.dynamics.com',
			'https://contoso.crm.microsoftdynamics.us:443/#etc'                                                                   => 'https://contoso.crm.microsoftdynamics.us:443',
		);
		foreach ( $cases as $pasted => $expected ) {
			$GLOBALS['wp_settings_errors'] = array();
			$this->service( 'settings' )->save( array( 'instance_url' => $pasted ) );
			$this->assertSame( $expected, $this->service( 'settings' )->stored()['instance_url'], $pasted );
			$this->assertSame( 'info', $this->notices()['wpcrm_instance_url_normalized'] ?? null, 'the screen says the URL was shortened: ' . $pasted );
			$message = wp_list_pluck( get_settings_errors( Settings::OPTION ), 'message', 'code' )['wpcrm_instance_url_normalized'];
			$this->assertStringContainsString( esc_html( $expected ), $message );
			$this->assertStringNotContainsString( '<script', $message );
		}

		$GLOBALS['wp_settings_errors'] = array();
		$this->service( 'settings' )->save( array( 'instance_url' => 'https://contoso.crm.dynamics.com/' ) );
		$this->assertSame( 'https://contoso.crm.dynamics.com', $this->service( 'settings' )->stored()['instance_url'] );
		$this->assertArrayNotHasKey( 'wpcrm_instance_url_normalized', $this->notices(), 'a trailing slash is not worth a notice' );

		$this->service( 'settings' )->save( array( 'instance_url' => 'https://x.example/<script>alert(1)</script>' ) );
		foreach ( get_settings_errors( Settings::OPTION ) as $error ) {
			$this->assertStringNotContainsString( '<script>', $error['message'], 'the pasted text is escaped' );
		}
	}

	public function test_under_the_sandbox_the_environment_segment_is_kept(): void {
		$this->requireSandbox();
		$this->service( 'settings' )->save( array( 'instance_url' => Sandbox::instance_url() . '/main.aspx?appid=1' ) );
		$this->assertSame( Sandbox::instance_url(), $this->service( 'settings' )->stored()['instance_url'] );
		// The engine agrees: the normalized URL is the one its report names.
		$this->save_seeded_connection();
		$report = $this->service( 'verifier' )->run( null, 'admin' );
		$this->assertSame( $this->service( 'settings' )->stored()['instance_url'], $report['instance_url'] );
	}

	public function test_the_report_says_what_it_checked_and_goes_stale_when_the_values_change(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$this->service( 'verifier' )->run( null, 'admin' );
		$last = $this->service( 'verifier' )->last();
		$this->assertSame(
			array(
				'instance_url'   => Sandbox::instance_url(),
				'tenant_id'      => '',
				'application_id' => Sandbox::app_ok(),
			),
			$last['checked']
		);
		$this->assertStringNotContainsString( Sandbox::secret_ok(), (string) wp_json_encode( get_option( 'wpcrm_connect_last_report' ) ) );

		$html = $this->panel_html();
		$this->assertStringContainsString( 'data-wpcrm-report-stale="0"', $html );
		$this->assertStringContainsString( '<code data-wpcrm-checked="application_id">' . Sandbox::app_ok() . '</code>', $html );
		$this->assertStringNotContainsString( 'id="wpcrm-report-stale"', $html );
		$this->assertStringNotContainsString( Sandbox::secret_ok(), $html );

		// The admin saves another application id and tenant (as options.php does).
		update_option( Settings::OPTION, array( 'application_id' => \Fixtures::app( 'wp-basic' )['app_id'], 'tenant_id' => \Fixtures::tenant()['domain'] ) );
		$this->assertSame( 'warning', $this->notices()['wpcrm_report_stale'] ?? null, 'the save says the report is out of date' );
		$this->assertSame( array( 'tenant_id', 'application_id' ), Report_Context::changed( $this->service( 'verifier' )->last(), $this->service( 'settings' )->connection() ) );
		$html = $this->panel_html();
		$this->assertStringContainsString( 'data-wpcrm-report-stale="1"', $html );
		$this->assertStringContainsString( 'id="wpcrm-report-stale"', $html );
		$this->assertStringContainsString( '<code data-wpcrm-checked="application_id">' . Sandbox::app_ok() . '</code>', $html, 'it still names what it checked' );

		// Verifying again checks the saved values: no longer stale.
		$GLOBALS['wp_settings_errors'] = array();
		$this->service( 'verifier' )->run( null, 'admin' );
		$this->assertStringContainsString( 'data-wpcrm-report-stale="0"', $this->panel_html() );

		// A save that changes nothing the report checked (the tables) says nothing.
		update_option( Settings::OPTION, array( 'tables' => 'contact: read' ) );
		$this->assertArrayNotHasKey( 'wpcrm_report_stale', $this->notices() );
	}

	public function test_the_rest_verify_answer_carries_the_context(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		$this->save_seeded_connection();
		$response = $this->rest( 'POST', '/verify' );
		$this->assertSame( 200, $response->get_status() );
		$this->assertStringContainsString( 'data-wpcrm-report-stale="0"', $response->get_data()['html'] );
		$this->assertStringContainsString( Sandbox::instance_url(), $response->get_data()['html'] );
	}

	private function panel_html(): string {
		$this->login( 'admin' );
		ob_start();
		$this->service( 'page' )->render();
		return (string) ob_get_clean();
	}
}
