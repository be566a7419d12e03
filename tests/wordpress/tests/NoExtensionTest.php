<?php
/**
 * Without the extension (a separate PHP process started without `-d extension`), the plugin activates,
 * explains how to install the extension, reports a critical Site Health result, disables its buttons, and
 * the real WP-CLI refuses its commands.
 */

namespace Wpcrm\Connect\Tests;

final class NoExtensionTest extends TestCase {

	public function test_the_plugin_fails_soft_without_the_extension(): void {
		$cmd  = escapeshellarg( PHP_BINARY ) . ' -d display_errors=stderr ' . escapeshellarg( dirname( __DIR__ ) . '/support/no-extension.php' );
		$proc = proc_open( $cmd, array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes, null, null );
		$this->assertIsResource( $proc );
		$stdout = stream_get_contents( $pipes[1] );
		$stderr = stream_get_contents( $pipes[2] );
		$code   = proc_close( $proc );
		$this->assertSame( 0, $code, $stdout . $stderr );
		$out = json_decode( $stdout, true );
		$this->assertIsArray( $out, $stdout . $stderr );
		$this->assertArrayNotHasKey( 'fatal', $out );

		$this->assertFalse( $out['extension_loaded'], 'the child PHP runs without the extension' );
		$this->assertNull( $out['activation_error'] );
		$this->assertTrue( $out['plugin_active'] );

		$this->assertStringContainsString( 'id="wpcrm-notice-extension"', $out['notices'] );
		$this->assertStringContainsString( '<code>make install</code>', $out['notices'] );

		$this->assertSame( 'critical', $out['site_health']['status'] );
		$this->assertStringContainsString( 'make install', $out['site_health']['description'] );

		$this->assertStringContainsString( 'data-wpcrm-extension="missing"', $out['page'] );
		$this->assertMatchesRegularExpression( '/id="wpcrm-setup-button"[^>]*disabled="disabled"/', $out['page'] );
		$this->assertMatchesRegularExpression( '/id="wpcrm-verify-button"[^>]*disabled="disabled"/', $out['page'] );

		$this->assertSame( 503, $out['verify']['status'] );
		$this->assertSame( 'wpcrm_extension_missing', $out['verify']['code'] );

		// The real WP-CLI in a PHP without the extension: the guard stops every `wp wpcrm` command.
		foreach ( array( array( 'wpcrm', 'status' ), array( 'wpcrm', 'verify', '--format=json' ) ) as $args ) {
			$cli = Wp_Cli::run( $args, '', false );
			$this->assertSame( 1, $cli['code'], Wp_Cli::describe( $cli ) );
			$this->assertSame( '', $cli['stdout'], 'nothing on STDOUT for a script to misread' );
			$this->assertStringContainsString( 'make install', $cli['stderr'] );
		}

		$this->assertSame( array(), $out['plugin_errors'] );
	}
}
