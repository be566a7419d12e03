<?php
/**
 * The Dynamics 365 Integration plugin's `msdyncrm_options`, written in the shape that plugin reads.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Legacy_Options;

final class LegacyOptionsTest extends TestCase {

	/** Stand-ins of that plugin's own encryption filters (AES-256-CBC, key from AUTH_KEY), as documented. */
	public static function encrypt( $value ) {
		if ( is_array( $value ) && ! empty( $value['clientSecret'] ) ) {
			$iv                    = random_bytes( 16 );
			$value['clientSecret'] = base64_encode( $iv . openssl_encrypt( $value['clientSecret'], 'aes-256-cbc', hash( 'sha256', AUTH_KEY, true ), OPENSSL_RAW_DATA, $iv ) );
		}
		return $value;
	}

	public static function decrypt( $value ) {
		if ( is_array( $value ) && ! empty( $value['clientSecret'] ) ) {
			$raw                   = base64_decode( $value['clientSecret'] );
			$value['clientSecret'] = openssl_decrypt( substr( $raw, 16 ), 'aes-256-cbc', hash( 'sha256', AUTH_KEY, true ), OPENSSL_RAW_DATA, substr( $raw, 0, 16 ) );
		}
		return $value;
	}

	private function with_legacy_plugin_filters(): void {
		add_filter( 'pre_update_option_msdyncrm_options', array( self::class, 'encrypt' ) );
		add_filter( 'option_msdyncrm_options', array( self::class, 'decrypt' ) );
	}

	protected function tearDown(): void {
		remove_filter( 'pre_update_option_msdyncrm_options', array( self::class, 'encrypt' ) );
		remove_filter( 'option_msdyncrm_options', array( self::class, 'decrypt' ) );
		parent::tearDown();
	}

	private function raw(): array {
		global $wpdb;
		return (array) maybe_unserialize( $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", Legacy_Options::OPTION ) ) );
	}

	private function existing(): array {
		return array(
			'authMode'         => 'Federation',
			'authMethod'       => 'defaultAuth',
			'username'         => 'crm-user',
			'serverUrl'        => 'https://old.example.org',
			'ignoreSslErrors'  => true,
			'crmRegion'        => 'crm4',
			'organizationName' => 'Old org',
		);
	}

	public function test_written_through_update_option_so_that_plugins_encryption_applies(): void {
		update_option( Legacy_Options::OPTION, $this->existing() );
		$this->with_legacy_plugin_filters();

		( new Legacy_Options() )->write( 'https://contoso.crm.dynamics.com', Sandbox::app_ok(), Sandbox::secret_ok() );

		$read = get_option( Legacy_Options::OPTION );
		$this->assertSame( 'OnlineFederation', $read['authMode'] );
		$this->assertSame( 'sharedSecretAuth', $read['authMethod'] );
		$this->assertSame( 'https://contoso.crm.dynamics.com', $read['serverUrlSsa'] );
		$this->assertSame( Sandbox::app_ok(), $read['applicationId'] );
		$this->assertSame( Sandbox::secret_ok(), $read['clientSecret'], 'that plugin reads the secret back through its decrypt filter' );
		$this->assertFalse( $read['connected'], 'that plugin reconnects itself on settings-updated=true' );
		foreach ( array( 'username', 'serverUrl', 'ignoreSslErrors', 'crmRegion', 'organizationName' ) as $key ) {
			$this->assertSame( $this->existing()[ $key ], $read[ $key ], "other key $key kept" );
		}
		$this->assertNotSame( Sandbox::secret_ok(), $this->raw()['clientSecret'], 'stored encrypted by that plugin\'s filter' );
	}

	public function test_without_that_plugins_filters_the_value_is_stored_as_written(): void {
		( new Legacy_Options() )->write( 'https://contoso.crm.dynamics.com', Sandbox::app_ok(), Sandbox::secret_ok() );
		$this->assertSame( Sandbox::secret_ok(), $this->raw()['clientSecret'] );
		$this->assertSame( 'OnlineFederation', $this->raw()['authMode'] );
	}

	public function test_the_plugin_is_detected_from_the_active_plugins(): void {
		$legacy = new Legacy_Options();
		$this->assertFalse( $legacy->plugin_active() );
		$active = get_option( 'active_plugins' );
		update_option( 'active_plugins', array_merge( $active, array( 'integration-dynamics/integration-dynamics.php' ) ) );
		try {
			$this->assertTrue( $legacy->plugin_active() );
		} finally {
			update_option( 'active_plugins', $active );
		}
		$this->assertSame( admin_url( 'admin.php?page=wordpresscrm&settings-updated=true' ), $legacy->reconnect_url() );
	}

	public function test_forget_only_clears_the_values_provisioning_wrote(): void {
		$legacy = new Legacy_Options();
		$legacy->write( 'https://contoso.crm.dynamics.com', Sandbox::app_ok(), Sandbox::secret_ok() );
		$legacy->forget( \Fixtures::app( 'wp-nouser' )['app_id'] );
		$this->assertSame( Sandbox::app_ok(), get_option( Legacy_Options::OPTION )['applicationId'] );
		$legacy->forget( Sandbox::app_ok() );
		$this->assertSame( '', get_option( Legacy_Options::OPTION )['applicationId'] );
		$this->assertSame( '', get_option( Legacy_Options::OPTION )['clientSecret'] );
		$this->assertSame( 'https://contoso.crm.dynamics.com', get_option( Legacy_Options::OPTION )['serverUrlSsa'] );
	}

	public function test_the_panel_is_rendered_on_that_plugins_connection_tab(): void {
		$this->login( 'admin' );
		ob_start();
		do_action( 'wordpresscrm_after_settings_general' );
		$html = ob_get_clean();
		$this->assertStringContainsString( 'id="wpcrm-connect-panel"', $html );
		$this->assertStringContainsString( 'type="button" id="wpcrm-setup-button"', $html, 'buttons do not submit that plugin\'s form' );
		$this->assertStringNotContainsString( '<form', $html, 'no nested form' );
	}
}
