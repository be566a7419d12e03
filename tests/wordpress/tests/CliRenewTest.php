<?php
/**
 * `wp wpcrm renew` through the real WP-CLI (support/Wp_Cli.php): synopsis, confirmation, the sign-in
 * shown in the terminal, the new secret saved and never printed.
 */

namespace Wpcrm\Connect\Tests;

final class CliRenewTest extends TestCase {

	public function test_is_documented_and_needs_a_saved_connection(): void {
		$help = Wp_Cli::run( array( 'help', 'wpcrm', 'renew' ) );
		$this->assertSame( 0, $help['code'], Wp_Cli::describe( $help ) );
		foreach ( array( '[--secret-days=<n>]', '[--yes]', 'EXAMPLES' ) as $part ) {
			$this->assertStringContainsString( $part, $help['stdout'] );
		}
		$bad = Wp_Cli::run( array( 'wpcrm', 'renew', '--secret-days=0', '--yes' ) );
		$this->assertSame( 1, $bad['code'], Wp_Cli::describe( $bad ) );
		$this->assertStringContainsString( '--secret-days must be between 1 and 730', $bad['stderr'] );

		$none = Wp_Cli::run( array( 'wpcrm', 'renew', '--yes', '--user=admin' ) );
		$this->assertSame( 1, $none['code'], Wp_Cli::describe( $none ) );
		$this->assertStringContainsString( 'no saved connection', $none['stderr'] );
	}

	public function test_renew_prints_the_code_and_saves_without_printing_the_secret(): void {
		$this->requireSandbox();
		Sandbox::reset();
		$this->save_seeded_connection();

		$proc   = Wp_Cli::start( array( 'wpcrm', 'renew', '--secret-days=30', '--yes', '--user=admin' ), true, $pipes );
		fclose( $pipes[0] );
		$stdout = '';
		$code   = '';
		for ( $deadline = microtime( true ) + 60; '' === $code && ! feof( $pipes[1] ) && microtime( true ) < $deadline; ) {
			$line    = (string) fgets( $pipes[1] );
			$stdout .= $line;
			if ( preg_match( '/enter the code ([A-Z0-9]{8})/', $line, $m ) ) {
				$code = $m[1];
			}
		}
		$this->assertNotSame( '', $code, 'no code in the terminal: ' . $stdout );
		$this->assertStringContainsString( 'To sign in, open ' . Sandbox::url() . '/devicelogin', $stdout );
		$this->assertSame( 204, Sandbox::approve( $code ) );
		$result         = array(
			'stdout' => $stdout . stream_get_contents( $pipes[1] ),
			'stderr' => (string) stream_get_contents( $pipes[2] ),
		);
		$result['code'] = proc_close( $proc );
		wp_cache_flush();

		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertStringContainsString( '[done] Wait until Entra ID accepts the new secret', $result['stdout'] );
		$this->assertStringContainsString( 'The client secret was renewed and saved', $result['stdout'] );
		$secret = (string) $this->service( 'settings' )->secret();
		$this->assertNotSame( Sandbox::secret_ok(), $secret );
		$this->assertStringNotContainsString( $secret, $result['stdout'] . $result['stderr'] );
		$this->assertTrue( $this->service( 'verifier' )->run()['ok'] );
	}
}
