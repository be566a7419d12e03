<?php
/**
 * `wp wpcrm renew`, tested with the WP_CLI stand-in (support/WP_CLI.php) like CliTest: the command
 * class is driven directly, so moving it to real WP-CLI only changes how it is invoked.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\CLI\Renew_Command;
use Wpcrm\Connect\Plugin;

final class CliRenewTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		\WP_CLI::reset();
	}

	/** Runs `wp wpcrm renew` with `$assoc`; returns the halt status (null when it returned normally). */
	private function renew( array $assoc, ?callable $sleep = null ): ?int {
		try {
			( Plugin::instance()->renew_command( $sleep ?? static function () {} ) )( array(), $assoc );
			return null;
		} catch ( \WP_CLI_Halt $halt ) {
			return $halt->status;
		}
	}

	public function test_registered_as_wpcrm_renew_with_the_guard(): void {
		Renew_Command::register( Plugin::instance()->renew_command(), $this->service( 'extension' ) );
		$this->assertArrayHasKey( 'wpcrm renew', \WP_CLI::$commands );
		$this->assertIsCallable( \WP_CLI::$commands['wpcrm renew'][1]['before_invoke'] );
		$doc = (string) ( new \ReflectionMethod( Renew_Command::class, '__invoke' ) )->getDocComment();
		$this->assertStringContainsString( '[--secret-days=<n>]', $doc );
		$this->assertStringContainsString( '[--yes]', $doc );
	}

	public function test_asks_for_confirmation_and_needs_a_connection(): void {
		$this->assertSame( 0, $this->renew( array() ), 'no --yes: confirm() stops' );
		$this->assertCount( 1, \WP_CLI::of( 'confirm' ) );
		\WP_CLI::reset();
		$this->assertSame( 1, $this->renew( array( 'yes' => true ) ) );
		$this->assertStringContainsString( 'no saved connection', \WP_CLI::transcript() );
	}

	public function test_renew_prints_the_code_polls_and_saves_without_printing_the_secret(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$approved = array();
		$sleep    = function () use ( &$approved ) {
			if ( preg_match_all( '/enter the code ([A-Z0-9]+)/', \WP_CLI::transcript(), $m ) ) {
				foreach ( $m[1] as $code ) {
					if ( ! in_array( $code, $approved, true ) ) {
						$this->assertSame( 204, Sandbox::approve( $code ) );
						$approved[] = $code;
					}
				}
			}
		};
		$status     = $this->renew( array( 'secret-days' => '30', 'yes' => true ), $sleep );
		$transcript = \WP_CLI::transcript();
		$this->assertNull( $status, $transcript );
		$this->assertStringContainsString( 'To sign in, open ' . Sandbox::url() . '/devicelogin', $transcript );
		$this->assertCount( 1, $approved );
		$this->assertStringContainsString( '[done] Wait until Entra ID accepts the new secret', $transcript );
		$this->assertCount( 1, \WP_CLI::of( 'success' ) );
		$secret = $this->service( 'settings' )->secret();
		$this->assertNotSame( Sandbox::secret_ok(), $secret );
		$this->assertStringNotContainsString( $secret, $transcript );
	}
}
