<?php
/**
 * `wp wpcrm verify-many <file>` and `wp wpcrm verify --network`, through the real WP-CLI (WP-CLI 2.12.0
 * from source against the test WordPress): argument parsing, formats, exit codes, and secrets in the
 * file never echoed. Runs WP-CLI through support/Wp_Cli.php.
 */

namespace Wpcrm\Connect\Tests;

final class FleetCliTest extends TestCase {

	/** @var string[] Files this test wrote. */
	private $files = array();

	protected function setUp(): void {
		parent::setUp();
		$this->requireSandbox();
	}

	protected function tearDown(): void {
		foreach ( $this->files as $file ) {
			@unlink( $file ); // phpcs:ignore WordPress.PHP.NoSilencedErrors
		}
		parent::tearDown();
	}

	private function file( string $suffix, string $content ): string {
		$file = tempnam( sys_get_temp_dir(), 'wpcrm-fleet-' ) . $suffix;
		file_put_contents( $file, $content ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		$this->files[] = $file;
		return $file;
	}

	/**
	 * Runs `wp ARGS...` against the test WordPress.
	 *
	 * @return array{code:int,stdout:string,stderr:string}
	 */
	private function wp( array $args, string $stdin = '', bool $extension = true ): array {
		return Wp_Cli::run( $args, $stdin, $extension );
	}

	private static function describe( array $run ): string {
		return Wp_Cli::describe( $run );
	}

	private function connection( array $override = array() ): array {
		return $override + array(
			'instance_url'   => Sandbox::instance_url(),
			'application_id' => Sandbox::app_ok(),
			'client_secret'  => Sandbox::secret_ok(),
			'tables'         => array( 'account' ),
		);
	}

	private function assert_no_secret( array $run ): void {
		foreach ( array( Sandbox::secret_ok(), 'Wrong8Q~notTheSecretValue' ) as $secret ) {
			$this->assertStringNotContainsString( $secret, $run['stdout'] . $run['stderr'] );
		}
	}

	public function test_a_json_file_is_verified_in_one_call_and_a_failure_exits_1(): void {
		$file = $this->file(
			'.json',
			wp_json_encode(
				array(
					'shop'  => $this->connection(),
					'blog'  => $this->connection( array( 'tables' => array( 'contact', 'lead' ) ) ),
					'stale' => $this->connection( array( 'client_secret' => 'Wrong8Q~notTheSecretValue.00000000000000001' ) ),
				)
			)
		);
		$run = $this->wp( array( 'wpcrm', 'verify-many', $file, '--format=json', '--concurrency=2' ) );
		$this->assertSame( 1, $run['code'], self::describe( $run ) );
		$rows = json_decode( $run['stdout'], true );
		$this->assertIsArray( $rows, self::describe( $run ) );
		$this->assertSame( array( 'shop', 'blog', 'stale' ), wp_list_pluck( $rows, 'key' ) );
		$this->assertSame( array( 'pass', 'pass', 'fail' ), wp_list_pluck( $rows, 'status' ) );
		$this->assertSame( 'token (AADSTS7000215)', $rows[2]['failed'] );
		$this->assertSame( array( 'key', 'instance_url', 'status', 'failed', 'ms' ), array_keys( $rows[0] ) );
		$this->assertStringContainsString( '1 of 3 connections failed.', $run['stderr'] );
		$this->assert_no_secret( $run );
	}

	public function test_a_csv_file_and_the_summary_table(): void {
		$csv = "key,instance_url,application_id,client_secret,tables\n"
			. 'one,' . Sandbox::instance_url() . ',' . Sandbox::app_ok() . ',' . Sandbox::secret_ok() . ",account contact\n"
			. 'two,' . Sandbox::instance_url() . ',' . Sandbox::app_ok() . ',' . Sandbox::secret_ok() . ",incident\n";
		$run = $this->wp( array( 'wpcrm', 'verify-many', $this->file( '.csv', $csv ) ) );
		$this->assertSame( 0, $run['code'], self::describe( $run ) );
		// Piped, WP-CLI prints the table tab-separated; on a terminal it draws borders.
		$this->assertMatchesRegularExpression( '/^\|?\s*key\s*\|?\s*instance_url\s*\|?\s*status\s*\|?\s*failed\s*\|?\s*ms\b/m', $run['stdout'] );
		$this->assertMatchesRegularExpression( '/^\|?\s*one\s.*\bpass\b/m', $run['stdout'] );
		$this->assertMatchesRegularExpression( '/^\|?\s*two\s.*\bpass\b/m', $run['stdout'] );
		$this->assertStringContainsString( 'Success: 2 connections verified', $run['stdout'] );
		$this->assert_no_secret( $run );
	}

	public function test_bad_files_and_arguments_are_refused(): void {
		$run = $this->wp( array( 'wpcrm', 'verify-many', '/nonexistent/fleet.json' ) );
		$this->assertSame( 1, $run['code'] );
		$this->assertStringContainsString( 'Error: Cannot read /nonexistent/fleet.json.', $run['stderr'] );

		$run = $this->wp( array( 'wpcrm', 'verify-many', $this->file( '.txt', "just some text\n" ) ) );
		$this->assertSame( 1, $run['code'] );
		$this->assertStringContainsString( 'neither JSON nor CSV', $run['stderr'] );

		$run = $this->wp( array( 'wpcrm', 'verify-many' ) );
		$this->assertSame( 1, $run['code'], 'the file is required (synopsis)' );

		$run = $this->wp( array( 'wpcrm', 'verify-many', $this->file( '.json', '[]' ), '--format=xml' ) );
		$this->assertSame( 1, $run['code'], 'formats come from the synopsis' );
	}

	public function test_network_needs_a_multisite(): void {
		$run = $this->wp( array( 'wpcrm', 'verify', '--network' ) );
		$this->assertSame( 1, $run['code'], self::describe( $run ) );
		$this->assertStringContainsString( 'Error: --network needs a multisite network.', $run['stderr'] );
	}

	public function test_without_the_extension_the_command_refuses(): void {
		$run = $this->wp( array( 'wpcrm', 'verify-many', $this->file( '.json', '[]' ) ), '', false );
		$this->assertSame( 1, $run['code'] );
		$this->assertStringContainsString( 'The wpcrm PHP extension is not loaded', $run['stderr'] );
	}
}
