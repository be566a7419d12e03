<?php
/**
 * Settings: saving, sealing the secret at rest, write-only display, fail-closed decryption.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Admin\Settings_Page;
use Wpcrm\Connect\Crypto;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Tables;

final class SettingsTest extends TestCase {

	private function settings(): Settings {
		return $this->service( 'settings' );
	}

	private function raw_option(): string {
		global $wpdb;
		return (string) $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", Settings::OPTION ) );
	}

	public function test_save_seals_the_secret_and_reads_it_back(): void {
		$this->settings()->save(
			array(
				'instance_url'   => 'https://contoso.crm.dynamics.com/',
				'tenant_id'      => ucfirst( \Fixtures::tenant()['domain'] ), // Stored lower-cased.
				'application_id' => Sandbox::app_ok(),
				'client_secret'  => Sandbox::secret_ok(),
				'tables'         => "contact: read\nlead: read, create",
			)
		);

		$raw = $this->raw_option();
		$this->assertStringNotContainsString( Sandbox::secret_ok(), $raw, 'the secret is not stored in plain text' );
		$this->assertStringContainsString( 'sb1:', $raw );

		$stored = $this->settings()->stored();
		$this->assertArrayNotHasKey( 'client_secret', $stored );
		$this->assertSame( 'https://contoso.crm.dynamics.com', $stored['instance_url'] );
		$this->assertSame( \Fixtures::tenant()['domain'], $stored['tenant_id'] );

		$conn = $this->settings()->connection();
		$this->assertSame( Sandbox::secret_ok(), $conn['client_secret'] );
		$this->assertSame( Sandbox::app_ok(), $conn['application_id'] );
		$this->assertSame( array( 'contact' => array( 'read' ), 'lead' => array( 'read', 'create' ) ), $this->settings()->tables() );
		$this->assertSame( 'set', $this->settings()->secret_state() );
		$this->assertSame( substr( Sandbox::secret_ok(), -3 ), $this->settings()->secret_hint() );
		$this->assertTrue( $this->settings()->is_complete() );
	}

	public function test_first_save_survives_the_double_sanitize_of_add_option(): void {
		// The option does not exist yet: update_option() falls back to add_option(), which sanitizes again.
		global $wpdb;
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( "SELECT option_id FROM {$wpdb->options} WHERE option_name = %s", Settings::OPTION ) ) );
		update_option( Settings::OPTION, array( 'client_secret' => Sandbox::secret_ok() ) );
		$this->assertSame( Sandbox::secret_ok(), $this->settings()->secret() );
	}

	public function test_an_empty_secret_field_keeps_the_stored_secret_and_clear_removes_it(): void {
		$this->settings()->save( array( 'client_secret' => Sandbox::secret_ok() ) );
		// What options.php posts when the admin leaves the password field empty.
		update_option( Settings::OPTION, array( 'instance_url' => 'https://contoso.crm.dynamics.com', 'client_secret' => '', 'application_id' => '' ) );
		$this->assertSame( Sandbox::secret_ok(), $this->settings()->secret() );

		update_option( Settings::OPTION, array( 'client_secret' => '', 'clear_secret' => '1' ) );
		$this->assertNull( $this->settings()->secret() );
		$this->assertSame( 'missing', $this->settings()->secret_state() );
	}

	public function test_invalid_values_are_rejected(): void {
		$this->settings()->save(
			array(
				'instance_url'   => 'http://contoso.crm.dynamics.com',
				'application_id' => 'not-a-guid',
				'tenant_id'      => 'bad tenant!',
				'tables'         => "contact: read\nBad Name: read\nlead: fly",
			)
		);
		$stored = $this->settings()->stored();
		$this->assertSame( '', $stored['instance_url'] );
		$this->assertSame( '', $stored['application_id'] );
		$this->assertSame( '', $stored['tenant_id'] );
		$this->assertSame( array( 'contact' => array( 'read' ), 'lead' => array( 'read' ) ), $stored['tables'] );
		$codes = wp_list_pluck( get_settings_errors( Settings::OPTION ), 'code' );
		$this->assertContains( 'wpcrm_instance_url', $codes );
		$this->assertContains( 'wpcrm_tables', $codes );
	}

	public function test_missing_or_placeholder_salts_never_make_a_computable_key(): void {
		foreach ( array( '', '   ', 'put your unique phrase hereput your unique phrase here' ) as $constants ) {
			$material = Crypto::site_material( $constants );
			$this->assertSame( wp_salt( 'secure_auth' ), $material );
			$this->assertNotSame( '', trim( $material ) );
		}
		$this->assertSame( 'real-auth-key|real-salt', Crypto::site_material( 'real-auth-key|real-salt' ) );
	}

	public function test_undecryptable_secret_fails_closed_after_the_salts_change(): void {
		global $wpdb;
		// A value sealed on another site (other salts), as after a migration.
		$foreign = ( new Crypto( 'salts-of-the-old-site' ) )->seal( Sandbox::secret_ok() );
		$wpdb->update(
			$wpdb->options,
			array( 'option_value' => maybe_serialize( array( 'instance_url' => 'https://contoso.crm.dynamics.com', 'application_id' => Sandbox::app_ok(), 'client_secret_sealed' => $foreign ) ) ),
			array( 'option_name' => Settings::OPTION )
		) || $wpdb->insert( $wpdb->options, array( 'option_name' => Settings::OPTION, 'option_value' => maybe_serialize( array( 'client_secret_sealed' => $foreign, 'instance_url' => 'https://contoso.crm.dynamics.com', 'application_id' => Sandbox::app_ok() ) ), 'autoload' => 'yes' ) );
		wp_cache_flush();

		$this->assertSame( 'undecryptable', $this->settings()->secret_state() );
		$this->assertNull( $this->settings()->secret() );
		$this->assertSame( '', $this->settings()->connection()['client_secret'] );
		$this->assertFalse( $this->settings()->is_complete() );

		// Tampered ciphertext does not open either.
		$this->assertNull( ( new Crypto() )->open( substr( ( new Crypto() )->seal( 'x' ), 0, -2 ) . 'AA' ) );

		// The admin is told to enter it again.
		$this->login( 'admin' );
		ob_start();
		$this->service( 'notices' )->render();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-notice-secret"', $html );
		$this->assertStringContainsString( 'can no longer be decrypted', $html );

		// Entering it again repairs it.
		$this->settings()->save( array( 'client_secret' => Sandbox::secret_ok() ) );
		$this->assertSame( 'set', $this->settings()->secret_state() );
	}

	public function test_the_secret_field_never_echoes_the_secret(): void {
		$this->settings()->save( array( 'client_secret' => Sandbox::secret_ok() ) );
		$this->login( 'admin' );
		$page = $this->service( 'page' );
		ob_start();
		$page->field_client_secret();
		$html = ob_get_clean();
		$this->assertStringNotContainsString( Sandbox::secret_ok(), $html );
		$this->assertStringNotContainsString( 'sb1:', $html );
		$this->assertStringContainsString( 'value=""', $html );
		$this->assertStringContainsString( 'ends with …001', $html );
		$this->assertStringContainsString( 'data-wpcrm-secret="set"', $html );
	}

	public function test_the_settings_page_renders_fields_and_panel(): void {
		$this->login( 'admin' );
		set_current_screen( 'settings_page_wpcrm-connect' );
		$page = $this->service( 'page' );
		$page->add_fields();
		ob_start();
		$page->render();
		$html = ob_get_clean();
		foreach ( array( 'wpcrm-instance-url', 'wpcrm-tenant-id', 'wpcrm-application-id', 'wpcrm-client-secret', 'wpcrm-tables', 'wpcrm-setup-button', 'wpcrm-verify-button', 'wpcrm-connect-panel', 'wpcrm-steps', 'wpcrm-report' ) as $id ) {
			$this->assertStringContainsString( 'id="' . $id . '"', $html, $id );
		}
		$this->assertStringContainsString( "name='option_page' value='wpcrm_connect'", $html, 'Settings API nonce fields' );
		$this->assertTrue( wp_script_is( 'wpcrm-connect-admin', 'enqueued' ) );
		$data = wp_scripts()->get_data( 'wpcrm-connect-admin', 'data' );
		$this->assertStringContainsString( '"nonce":"', $data );
		$this->assertStringNotContainsString( '"state"', $data );
	}

	public function test_tables_text_round_trips(): void {
		$tables = Tables::parse( "contact\nlead: read, create; incident:read" );
		$this->assertSame( array( 'contact' => array( 'read' ), 'lead' => array( 'read', 'create' ), 'incident' => array( 'read' ) ), $tables );
		$this->assertSame( $tables, Tables::parse( Tables::format( $tables ) ) );
		$this->assertSame( array( 'account' => array( 'read' ) ), Tables::parse( array( 'account' ) ) );
	}

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_the_secret_can_be_a_wp_config_constant(): void {
		define( 'WPCRM_CONNECT_CLIENT_SECRET', Sandbox::secret_ok() );
		$this->assertSame( 'constant', $this->settings()->secret_state() );
		$this->assertSame( Sandbox::secret_ok(), $this->settings()->connection()['client_secret'] );
		$this->login( 'admin' );
		ob_start();
		$this->service( 'page' )->field_client_secret();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'Defined in wp-config.php', $html );
		$this->assertStringNotContainsString( Sandbox::secret_ok(), $html );
		$this->assertStringContainsString( 'disabled="disabled"', $html );
	}

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_a_dedicated_key_constant_is_used_and_changing_it_fails_closed(): void {
		$this->settings()->save( array( 'client_secret' => Sandbox::secret_ok() ) ); // Sealed with the salts.
		define( 'WPCRM_CONNECT_KEY', 'a-dedicated-key-for-this-site-0123456789' );
		\Wpcrm\Connect\Key::reset(); // wp-config.php is read before any request; here the key was already loaded.
		$this->assertTrue( Crypto::uses_dedicated_key() );
		$this->assertSame( 'constant', \Wpcrm\Connect\Key::source() );
		$this->assertSame( 'undecryptable', $this->settings()->secret_state() );
		$this->settings()->save( array( 'client_secret' => Sandbox::secret_ok() ) );
		$this->assertSame( Sandbox::secret_ok(), $this->settings()->secret() );
		$this->assertSame( Sandbox::secret_ok(), ( new Crypto( 'a-dedicated-key-for-this-site-0123456789' ) )->open( $this->settings()->stored()['client_secret_sealed'] ) );
	}

	public function test_a_secret_sealed_under_the_old_salt_derived_key_is_opened_once_and_resealed(): void {
		// As stored by earlier versions: secretbox under BLAKE2b('wpcrm-connect-secret|' . AUTH_KEY . SECURE_AUTH_SALT).
		$old_key = sodium_crypto_generichash( 'wpcrm-connect-secret|' . Crypto::site_material( AUTH_KEY . SECURE_AUTH_SALT ), '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
		$nonce   = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$old     = 'sb1:' . base64_encode( $nonce . sodium_crypto_secretbox( Sandbox::secret_ok(), $nonce, $old_key ) );
		update_option( Settings::OPTION, array( 'instance_url' => 'https://contoso.crm.dynamics.com', 'client_secret_sealed' => $old ) );
		$this->assertSame( $old, $this->settings()->stored()['client_secret_sealed'], 'kept as it was when saved' );

		$this->assertSame( Sandbox::secret_ok(), $this->settings()->secret(), 'the old derivation still opens it' );
		$resealed = $this->settings()->stored()['client_secret_sealed'];
		$this->assertNotSame( $old, $resealed, 'and it was re-sealed' );
		$this->assertSame( Sandbox::secret_ok(), ( new Crypto( \Wpcrm\Connect\Key::material() ) )->open( $resealed ), 'under the plugin\'s own key' );
		$raw = base64_decode( substr( $resealed, 4 ) );
		$this->assertFalse( sodium_crypto_secretbox_open( substr( $raw, 24 ), substr( $raw, 0, 24 ), $old_key ), 'no longer under the salts' );
		$this->assertSame( 'https://contoso.crm.dynamics.com', $this->settings()->stored()['instance_url'] );
	}
}
