<?php
/**
 * DataPress (integration-cds): with its stand-in (fixtures/integration-cds, written from the reference
 * facts) active, setup also fills `icds_connection`, encrypted the way DataPress reads it; the stand-in,
 * in a WP-CLI process of its own, decrypts it and connects with it (WhoAmI); a rollback empties it; our
 * panel appears under DataPress's "Dataverse" menu.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Integrations\DataPress;

final class DataPressTest extends TestCase {

	private const PLUGIN = 'integration-cds/integration-cds.php';

	protected function setUp(): void {
		parent::setUp();
		delete_option( DataPress::OPTION );
		$target = WP_PLUGIN_DIR . '/integration-cds';
		if ( ! is_dir( $target ) ) {
			mkdir( $target );
		}
		copy( dirname( __DIR__ ) . '/fixtures/integration-cds/integration-cds.php', $target . '/integration-cds.php' );
		wp_cache_flush();
	}

	protected function tearDown(): void {
		deactivate_plugins( self::PLUGIN, true );
		delete_option( DataPress::OPTION );
		parent::tearDown();
	}

	private function activate(): void {
		$this->assertNull( activate_plugin( self::PLUGIN ) );
		$this->assertTrue( $this->service( 'datapress' )->plugin_active() );
	}

	private function raw(): string {
		global $wpdb;
		return (string) $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", DataPress::OPTION ) );
	}

	/** What the stand-in reads, from a WP-CLI process of its own. */
	private function standin( string $sub ): array {
		$result = Wp_Cli::run( array( 'icds-standin', $sub ) );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$decoded = json_decode( $result['stdout'], true );
		$this->assertIsArray( $decoded, Wp_Cli::describe( $result ) );
		return $decoded;
	}

	public function test_the_key_is_icds_auth_key_else_the_first_32_characters_of_auth_key(): void {
		$long = str_repeat( 'k', 40 );
		$this->assertSame( str_repeat( 'k', 32 ), DataPress::key_from( $long, 'a-much-longer-auth-key-than-thirty-two-characters' ) );
		$this->assertSame( 'a-much-longer-auth-key-than-thir', DataPress::key_from( 'too-short', 'a-much-longer-auth-key-than-thirty-two-characters' ) );
		$this->assertNull( DataPress::key_from( null, 'short' ) );
		$key    = str_repeat( 'x', 32 );
		$stored = DataPress::encrypt( 'the-secret', $key );
		list( $iv, $ciphertext ) = explode( ':', $stored, 2 );
		$this->assertSame( 16, strlen( base64_decode( $iv, true ) ) );
		$this->assertSame( 'the-secret', openssl_decrypt( $ciphertext, 'aes-256-cbc', $key, 0, base64_decode( $iv, true ) ) );
	}

	public function test_inactive_datapress_is_left_alone(): void {
		$this->requireSandbox();
		$this->assertFalse( $this->service( 'datapress' )->plugin_active() );
		$this->provision();
		$this->assertFalse( get_option( DataPress::OPTION ) );
	}

	public function test_setup_fills_the_connection_the_standin_decrypts_and_connects_with(): void {
		$this->requireSandbox();
		$this->activate();
		// What an admin had before: another organization, a key of DataPress's own we must keep.
		update_option( DataPress::OPTION, wp_json_encode( array( 'instanceURI' => 'https://old.crm.dynamics.com', 'skipCertificateVerification' => true, 'authenticationType' => 's2s-certificate', 'certificatePassphrase' => 'x', 'somethingElse' => array( 1, 2 ) ) ) );

		$document = $this->provision();
		$this->assertContains( DataPress::OPTION, $document['saved_to'] );

		$secret = $this->service( 'settings' )->secret();
		$app_id = $this->service( 'settings' )->connection()['application_id'];
		$raw    = $this->raw();
		$this->assertStringNotContainsString( $secret, $raw, 'the secret is not stored in plain text' );
		$stored = json_decode( $raw, true );
		$this->assertIsArray( $stored, 'stored as JSON' );
		$this->assertMatchesRegularExpression( '#^[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$#', $stored['clientSecret'], 'base64(iv):ciphertext' );
		$this->assertSame( array( 1, 2 ), $stored['somethingElse'], 'keys it does not know are kept' );

		$read = $this->standin( 'connection' );
		$this->assertSame( Sandbox::instance_url(), $read['instanceURI'] );
		$this->assertSame( 's2s-secret', $read['authenticationType'] );
		$this->assertSame( 'online', $read['deploymentType'] );
		$this->assertFalse( $read['skipCertificateVerification'] );
		$this->assertSame( $app_id, $read['applicationId'] );
		$this->assertSame( $secret, $read['clientSecret'], 'the stand-in decrypts what setup wrote' );

		$who = $this->standin( 'verify' );
		$this->assertSame( $this->service( 'settings' )->stored()['provisioned']['application_user_id'], $who['UserId'], 'DataPress connects as the new application user' );

		// Undo: DataPress no longer holds the deleted app's values (the sandbox approves the new sign-in).
		$this->assertTrue( $this->service( 'provisioning' )->current()['can_rollback'] );
		$rollback = Wp_Cli::run( array( 'wpcrm', 'rollback', '--yes', '--format=json' ) );
		$this->assertSame( 0, $rollback['code'], Wp_Cli::describe( $rollback ) );
		$after = json_decode( $this->raw(), true );
		$this->assertSame( '', $after['applicationId'] );
		$this->assertSame( '', $after['clientSecret'] );
		$this->assertSame( Sandbox::instance_url(), $after['instanceURI'] );
	}

	public function test_without_a_usable_key_nothing_is_written(): void {
		$this->activate();
		$keyless = new DataPress( null, static function () {
			return null;
		} );
		$this->assertFalse( $keyless->write( 'https://contoso.crm.dynamics.com', Sandbox::app_ok(), 'secret' ) );
		$this->assertFalse( get_option( DataPress::OPTION ), 'the secret is never stored in plain text' );
		$keyed = new DataPress( null, static function () {
			return str_repeat( 'k', 32 );
		} );
		$this->assertTrue( $keyed->write( 'https://contoso.crm.dynamics.com', Sandbox::app_ok(), 'secret' ) );
		$this->assertStringNotContainsString( 'secret', json_decode( $this->raw(), true )['clientSecret'] );
	}

	public function test_the_panel_appears_under_datapress_menu(): void {
		$this->activate();
		$this->login( 'admin' );
		global $submenu;
		$submenu = array(); // phpcs:ignore WordPress.WP.GlobalVariablesOverride.Prohibited
		do_action( 'admin_menu' );
		$slugs = wp_list_pluck( $submenu[ DataPress::MENU_SLUG ] ?? array(), 2 );
		$this->assertContains( DataPress::PAGE_SLUG, $slugs );

		ob_start();
		$this->service( 'datapress' )->render();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-datapress-page"', $html );
		$this->assertStringContainsString( 'id="wpcrm-connect-panel"', $html );
		$this->assertStringContainsString( 'id="wpcrm-setup-button"', $html );
	}

	/** Provisions through the real WP-CLI with the sandbox approving the sign-in; returns the JSON result. */
	private function provision(): array {
		Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );
		$result = Wp_Cli::run( array( 'wpcrm', 'provision', '--instance-url=' . Sandbox::instance_url(), '--tables=contact', '--yes', '--format=json' ) );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$document = json_decode( $result['stdout'], true );
		$this->assertSame( 'done', $document['status'] ?? null, Wp_Cli::describe( $result ) );
		return $document;
	}
}
