<?php
/**
 * The `wp wpcrm` command classes, tested with a WP_CLI stand-in (support/WP_CLI.php), not with WP-CLI
 * itself: it records output, format_items() calls and halts.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\CLI\Command;
use Wpcrm\Connect\CLI\Guard;
use Wpcrm\Connect\Plugin;

final class CliTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		\WP_CLI::reset();
	}

	private function command( ?callable $sleep = null ): Command {
		return Plugin::instance()->cli_command( $sleep ?? static function () {} );
	}

	/** Runs a subcommand; returns the halt status (null when it returned normally). */
	private function run_command( string $sub, array $assoc = array(), ?Command $command = null ): ?int {
		try {
			( $command ?? $this->command() )->$sub( array(), $assoc );
			return null;
		} catch ( \WP_CLI_Halt $halt ) {
			return $halt->status;
		}
	}

	public function test_registration_with_a_guard_and_parseable_docblocks(): void {
		Guard::register( $this->command(), $this->service( 'extension' ) );
		$this->assertArrayHasKey( 'wpcrm', \WP_CLI::$commands );
		list( $callable, $args ) = \WP_CLI::$commands['wpcrm'];
		$this->assertInstanceOf( Command::class, $callable );
		$this->assertIsCallable( $args['before_invoke'] );

		$class   = new \ReflectionClass( Command::class );
		$publics = array_map(
			static function ( $m ) {
				return $m->getName();
			},
			$class->getMethods( \ReflectionMethod::IS_PUBLIC )
		);
		sort( $publics );
		$this->assertSame( array( '__construct', 'draw_steps', 'failure', 'parse_tables_flag', 'print_notices', 'provision', 'rollback', 'status', 'verify' ), $publics );
		foreach ( array( 'parse_tables_flag', 'draw_steps', 'print_notices', 'failure' ) as $helper ) {
			$this->assertTrue( $class->getMethod( $helper )->isStatic(), 'static helpers are not subcommands' );
		}

		$verify = (string) $class->getMethod( 'verify' )->getDocComment();
		$this->assertStringContainsString( "## OPTIONS", $verify );
		$this->assertStringContainsString( '[--tables=<list>]', $verify );
		$this->assertStringContainsString( '[--format=<format>]', $verify );
		$this->assertMatchesRegularExpression( '/---\s+\*\s+default: table\s+\*\s+options:\s+\*\s+- table\s+\*\s+- json\s+\*\s+- yaml\s+\*\s+---/', $verify );
		$provision = (string) $class->getMethod( 'provision' )->getDocComment();
		foreach ( array( '[--instance-url=<url>]', '[--tables=<list>]', '[--secret-days=<n>]', '[--show-secret]', '[--yes]' ) as $flag ) {
			$this->assertStringContainsString( $flag, $provision );
		}
		$this->assertStringContainsString( '[--yes]', (string) $class->getMethod( 'rollback' )->getDocComment() );
		$this->assertStringContainsString( '## EXAMPLES', (string) $class->getDocComment() );
	}

	public function test_tables_flag(): void {
		$this->assertSame( array( 'contact' => array( 'read' ), 'lead' => array( 'read', 'create' ) ), Command::parse_tables_flag( 'contact, lead:read+create' ) );
		$this->expectException( \WP_CLI_Halt::class );
		Command::parse_tables_flag( 'contact,Bad Name' );
	}

	public function test_verify_prints_one_row_per_check_and_succeeds(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$this->assertNull( $this->run_command( 'verify', array( 'format' => 'table' ) ), \WP_CLI::transcript() );
		$items = \WP_CLI::of( 'format_items' )[0][1];
		$this->assertSame( 'table', $items['format'] );
		$this->assertSame( array( 'check', 'status', 'title', 'detail', 'fix', 'code', 'ms' ), $items['fields'] );
		$ids = wp_list_pluck( $items['items'], 'check' );
		$this->assertSame( array( 'input', 'tenant', 'token', 'app_user', 'metadata', 'table:contact' ), array_slice( $ids, 0, 6 ) );
		$this->assertCount( 1, \WP_CLI::of( 'success' ) );
		$this->assertStringNotContainsString( Sandbox::secret_ok(), \WP_CLI::transcript() );
		$this->assertSame( 'cli', $this->service( 'verifier' )->last()['trigger'] );
	}

	public function test_verify_halts_with_1_on_failure_and_json_stays_clean(): void {
		$this->requireSandbox();
		$this->service( 'settings' )->save(
			array(
				'instance_url'   => Sandbox::instance_url(),
				'application_id' => Sandbox::app_ok(),
				'client_secret'  => \Fixtures::secret( 'wp-ok' )['key_id'], // The Secret ID pasted instead of the Value.
			)
		);
		$this->assertSame( 1, $this->run_command( 'verify', array( 'format' => 'json', 'tables' => 'contact' ) ) );
		$this->assertSame( 'json', \WP_CLI::of( 'format_items' )[0][1]['format'] );
		$this->assertSame( array(), \WP_CLI::of( 'success' ) );
		$this->assertCount( 1, \WP_CLI::of( 'halt' ) );
		$items  = \WP_CLI::of( 'format_items' )[0][1]['items'];
		$failed = array_values( array_filter( $items, static function ( $row ) {
			return 'fail' === $row['status'];
		} ) );
		$this->assertNotEmpty( $failed, wp_json_encode( $items ) );
		$this->assertContains( $failed[0]['check'], array( 'input', 'token' ), wp_json_encode( $failed[0] ) );
		$this->assertStringContainsString( 'Value', $failed[0]['fix'], 'the fix says to paste the secret Value' );
	}

	public function test_status_never_prints_the_secret(): void {
		$this->save_seeded_connection();
		$this->assertNull( $this->run_command( 'status', array( 'format' => 'table' ) ) );
		$rows = wp_list_pluck( \WP_CLI::of( 'format_items' )[0][1]['items'], 'value', 'key' );
		$this->assertSame( 'set', $rows['client_secret'] );
		$this->assertSame( Sandbox::app_ok(), $rows['application_id'] );
		$this->assertStringNotContainsString( Sandbox::secret_ok(), \WP_CLI::transcript() );
	}

	public function test_status_shows_the_audit_trail_json_whole_and_table_the_last_20(): void {
		$this->save_seeded_connection();
		$changes = array();
		for ( $i = 0; $i < 25; $i++ ) {
			$changes[] = array( 'action' => 'created', 'kind' => 'role_assignment', 'id' => 'assignment-' . $i, 'detail' => 'Basic User', 'at' => '2026-12-06T10:00:00Z' );
		}
		$this->service( 'audit' )->record( $changes, $this->admin_id(), 'browser' );

		$this->assertNull( $this->run_command( 'status', array( 'format' => 'json' ) ) );
		$json = json_decode( \WP_CLI::of( 'line' )[0][1], true );
		$this->assertIsArray( $json, \WP_CLI::transcript() );
		$this->assertSame( 'set', $json['client_secret'] );
		$this->assertCount( 25, $json['audit'] );
		$this->assertSame( array( 'assignment-0', 'admin', 'browser', 'created', 'role_assignment' ), array( $json['audit'][0]['id'], $json['audit'][0]['user'], $json['audit'][0]['source'], $json['audit'][0]['action'], $json['audit'][0]['kind'] ) );
		$this->assertStringNotContainsString( Sandbox::secret_ok(), \WP_CLI::transcript() );

		\WP_CLI::reset();
		$this->assertNull( $this->run_command( 'status', array( 'format' => 'table' ) ) );
		$audit = \WP_CLI::of( 'format_items' )[1][1];
		$this->assertCount( 20, $audit['items'] );
		$this->assertSame( 'assignment-24', $audit['items'][0]['id'], 'newest first' );
		$this->assertSame( array( 'at', 'user', 'source', 'action', 'kind', 'id', 'detail' ), $audit['fields'] );
	}

	public function test_provision_waits_a_bounded_time_for_the_lock_then_errors(): void {
		$this->requireExtension();
		$other = new \wpdb( DB_USER, DB_PASSWORD, DB_NAME, DB_HOST );
		$other->get_var( $other->prepare( 'SELECT GET_LOCK(%s, 0)', \Wpcrm\Connect\Provision_Lock::name() ) );
		try {
			$command            = $this->command();
			$command->lock_wait = 1;
			$started            = microtime( true );
			$this->assertSame( 1, $this->run_command( 'provision', array( 'instance-url' => 'https://contoso.crm.dynamics.com', 'yes' => true ), $command ) );
			$this->assertGreaterThanOrEqual( 0.9, microtime( true ) - $started, 'it waited' );
			$this->assertStringContainsString( 'busy for more than 1 seconds', \WP_CLI::transcript() );
		} finally {
			$other->close();
		}
	}

	public function test_provision_asks_for_confirmation(): void {
		$this->assertSame( 0, $this->run_command( 'provision', array() ) );
		$this->assertCount( 1, \WP_CLI::of( 'confirm' ) );
		$this->assertSame( array(), \WP_CLI::of( 'log' ), 'nothing started' );
	}

	public function test_provision_prints_the_code_polls_draws_steps_and_hides_the_secret(): void {
		$this->requireSandbox();
		$approved = array();
		$sleep    = function ( $seconds ) use ( &$approved ) {
			$this->assertIsInt( $seconds );
			// The operator signs in whenever the command shows a new code (setup, and again for the
			// rollback: a finished run keeps no admin tokens).
			preg_match_all( '/enter the code ([A-Z0-9]{8})/', \WP_CLI::transcript(), $m );
			$this->assertNotEmpty( $m[1], \WP_CLI::transcript() );
			$code = end( $m[1] );
			if ( ! in_array( $code, $approved, true ) ) {
				$this->assertSame( 204, Sandbox::approve( $code ) );
				$approved[] = $code;
			}
			usleep( 1100000 );
		};
		$status = $this->run_command( 'provision', array( 'instance-url' => Sandbox::instance_url(), 'tables' => 'contact', 'secret-days' => '60', 'yes' => true ), $this->command( $sleep ) );
		$this->assertNull( $status, \WP_CLI::transcript() );
		$transcript = \WP_CLI::transcript();
		$this->assertStringContainsString( 'To sign in, open ' . Sandbox::url() . '/devicelogin', $transcript );
		$this->assertStringContainsString( '[done] Register the Entra ID application', $transcript );
		$this->assertStringContainsString( 'success: Setup finished', $transcript );
		$secret = $this->service( 'settings' )->secret();
		$this->assertNotEmpty( $secret );
		$this->assertStringNotContainsString( $secret, $transcript, 'secret only with --show-secret' );
		$this->assertStringContainsString( 'use --show-secret', $transcript );

		// Rollback of what the CLI created (the site's run), when the engine kept a state without the secret.
		if ( ! $this->service( 'provisioning' )->current()['can_rollback'] ) {
			$this->assertSame( 'dropped', get_option( 'wpcrm_connect_provision_run' )['secret_forgotten'], 'an engine without forget_secret: the state was dropped' );
			return;
		}
		\WP_CLI::reset();
		$this->assertNull( $this->run_command( 'rollback', array( 'yes' => true ), $this->command( $sleep ) ), \WP_CLI::transcript() );
		$this->assertCount( 2, $approved, 'the rollback asked for a new sign-in' );
		$this->assertStringContainsString( 'success: The setup was undone.', \WP_CLI::transcript() );
		$this->assertSame( 'missing', $this->service( 'settings' )->secret_state() );
	}

	public function test_provision_with_show_secret_prints_it(): void {
		$this->requireSandbox();
		\WP_CLI::reset();
		Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );
		$status = $this->run_command( 'provision', array( 'instance-url' => Sandbox::instance_url(), 'tables' => 'contact', 'show-secret' => true, 'yes' => true ), $this->command( static function () {
			usleep( 1100000 );
		} ) );
		$this->assertNull( $status, \WP_CLI::transcript() );
		$secret = $this->service( 'settings' )->secret();
		$rows   = wp_list_pluck( \WP_CLI::of( 'format_items' )[0][1]['items'], 'value', 'key' );
		$this->assertSame( $secret, $rows['client_secret'] );
	}

	public function test_provision_without_an_instance_url_lists_the_environments(): void {
		$this->requireSandbox();
		Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );
		$status = $this->run_command( 'provision', array( 'yes' => true ), $this->command( static function () {
			usleep( 1100000 );
		} ) );
		$this->assertSame( 1, $status, \WP_CLI::transcript() );
		$urls = wp_list_pluck( \WP_CLI::of( 'format_items' )[0][1]['items'], 'url' );
		$this->assertContains( Sandbox::instance_url(), $urls );
		$this->assertStringContainsString( '--instance-url=<url>', \WP_CLI::transcript() );
	}

	public function test_rollback_without_a_run_is_an_error(): void {
		$this->assertSame( 1, $this->run_command( 'rollback', array( 'yes' => true ) ) );
		$this->assertStringContainsString( 'no provisioning run', \WP_CLI::transcript() );
	}

	public function test_the_guard_passes_when_the_extension_is_loaded(): void {
		$this->requireExtension();
		Guard::require_extension( $this->service( 'extension' ) );
		$this->assertSame( array(), \WP_CLI::of( 'error' ) );
	}
}
