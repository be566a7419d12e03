<?php
/**
 * Every `wp wpcrm` command through the real WP-CLI 2.12.0 (support/Wp_Cli.php), as a separate process
 * against the test WordPress: WP-CLI's own argument parsing and synopsis validation, --format and
 * --fields through its formatter, exit codes, the confirmation prompt and --yes, and the sandbox.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\CLI\Command;

final class CliTest extends TestCase {

	/** Runs `wp wpcrm ARGS...`. */
	private function wpcrm( array $args, string $stdin = '' ): array {
		return Wp_Cli::run( array_merge( array( 'wpcrm' ), $args ), $stdin );
	}

	/** Decodes STDOUT as the one JSON document it must be. */
	private function json( array $result ) {
		$decoded = json_decode( $result['stdout'], true );
		$this->assertNotNull( $decoded, 'STDOUT is one JSON document: ' . Wp_Cli::describe( $result ) );
		return $decoded;
	}

	private function assertNoSecret( array $result, string $secret ): void {
		$this->assertStringNotContainsString( $secret, $result['stdout'] . $result['stderr'] );
	}

	public function test_wp_cli_lists_the_commands_from_their_docblocks(): void {
		$help = Wp_Cli::run( array( 'help', 'wpcrm' ) );
		$this->assertSame( 0, $help['code'], Wp_Cli::describe( $help ) );
		foreach ( array( 'verify', 'provision', 'status', 'rollback' ) as $sub ) {
			$this->assertMatchesRegularExpression( '/^\s+' . $sub . '\s/m', $help['stdout'] );
		}
		$this->assertStringNotContainsString( 'parse_tables_flag', $help['stdout'], 'static helpers are not subcommands' );

		$help = Wp_Cli::run( array( 'help', 'wpcrm', 'provision' ) );
		$this->assertSame( 0, $help['code'], Wp_Cli::describe( $help ) );
		foreach ( array( '[--instance-url=<url>]', '[--tables=<list>]', '[--secret-days=<n>]', '[--show-secret]', '[--format=<format>]', '[--yes]' ) as $flag ) {
			$this->assertStringContainsString( $flag, $help['stdout'] );
		}
		$help = Wp_Cli::run( array( 'help', 'wpcrm', 'verify' ) );
		foreach ( array( '[--fields=<fields>]', '[--network]', '- csv' ) as $flag ) {
			$this->assertStringContainsString( $flag, $help['stdout'] );
		}
	}

	/** WP-CLI validates the synopsis before the command runs: nothing is checked, nothing is printed on STDOUT. */
	public function test_the_synopsis_is_what_wp_cli_enforces(): void {
		$cases = array(
			'format outside the options' => array( array( 'verify', '--format=xml' ), 'format' ),
			'an unknown flag'            => array( array( 'verify', '--bogus' ), 'bogus' ),
			'an extra positional'        => array( array( 'status', 'extra' ), 'extra' ),
			'rollback format'            => array( array( 'rollback', '--format=csv', '--yes' ), 'format' ),
			'provision format'           => array( array( 'provision', '--format=count', '--yes' ), 'format' ),
			'no such subcommand'         => array( array( 'frobnicate' ), 'frobnicate' ),
		);
		foreach ( $cases as $name => list( $args, $mentions ) ) {
			$result = $this->wpcrm( $args );
			$this->assertSame( 1, $result['code'], $name . ': ' . Wp_Cli::describe( $result ) );
			$this->assertSame( '', trim( $result['stdout'] ), $name );
			$this->assertStringContainsString( $mentions, $result['stderr'], $name );
		}
		$this->assertNull( $this->service( 'verifier' )->last(), 'no check ran' );
	}

	public function test_tables_flag(): void {
		$this->assertSame( array( 'contact' => array( 'read' ), 'lead' => array( 'read', 'create' ) ), Command::parse_tables_flag( 'contact, lead:read+create' ) );
		$result = $this->wpcrm( array( 'verify', '--tables=contact,Bad Name' ) );
		$this->assertSame( 1, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertStringContainsStringIgnoringCase( 'Bad Name', $result['stderr'] );
	}

	public function test_verify_table_exits_0_and_never_prints_the_secret(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$result = $this->wpcrm( array( 'verify' ) );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		// STDOUT is a pipe here, so WP-CLI draws the table as tab-separated lines (as for any script).
		$this->assertMatchesRegularExpression( '/^check\tstatus\ttitle\tdetail\tfix\tcode\tms$/m', $result['stdout'] );
		$this->assertMatchesRegularExpression( '/^table:contact\tpass\t/m', $result['stdout'] );
		$this->assertStringContainsString( 'Success:', $result['stdout'] );
		$this->assertNoSecret( $result, Sandbox::secret_ok() );
		$this->assertSame( 'cli', $this->service( 'verifier' )->last()['trigger'] );
	}

	public function test_verify_formats_and_fields(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();

		$json = $this->wpcrm( array( 'verify', '--format=json' ) );
		$this->assertSame( 0, $json['code'], Wp_Cli::describe( $json ) );
		$rows = $this->json( $json );
		$this->assertSame( array( 'input', 'tenant', 'token', 'app_user', 'metadata', 'table:contact' ), array_slice( array_column( $rows, 'check' ), 0, 6 ) );
		$this->assertSame( array( 'check', 'status', 'title', 'detail', 'fix', 'code', 'ms' ), array_keys( $rows[0] ) );
		$this->assertIsInt( $rows[0]['ms'] );
		$this->assertStringNotContainsString( 'Success', $json['stdout'] . $json['stderr'], 'a document and nothing else' );

		$fields = $this->json( $this->wpcrm( array( 'verify', '--format=json', '--fields=check,status' ) ) );
		$this->assertSame( array( 'check' => 'input', 'status' => 'pass' ), $fields[0] );

		$csv = $this->wpcrm( array( 'verify', '--format=csv' ) );
		$this->assertSame( 0, $csv['code'], Wp_Cli::describe( $csv ) );
		$lines = preg_split( '/\R/', trim( $csv['stdout'] ) );
		$this->assertSame( 'check,status,title,detail,fix,code,ms', $lines[0] );
		$this->assertSame( array( 'table:contact', 'pass' ), array_slice( str_getcsv( $lines[6] ), 0, 2 ) );

		$yaml = $this->wpcrm( array( 'verify', '--format=yaml', '--fields=check,status' ) );
		$this->assertSame( 0, $yaml['code'], Wp_Cli::describe( $yaml ) );
		$this->assertMatchesRegularExpression( '/^-\s*\n?\s*check: input\n\s*status: pass$/m', $yaml['stdout'] );

		$field = $this->wpcrm( array( 'verify', '--field=check' ) );
		$this->assertSame( 0, $field['code'], Wp_Cli::describe( $field ) );
		$this->assertSame( array( 'input', 'tenant', 'token', 'app_user', 'metadata', 'table:contact' ), array_slice( preg_split( '/\R/', trim( $field['stdout'] ) ), 0, 6 ) );
	}

	public function test_verify_exits_1_on_a_failed_check_and_json_stays_clean(): void {
		$this->requireSandbox();
		$this->service( 'settings' )->save(
			array(
				'instance_url'   => Sandbox::instance_url(),
				'application_id' => Sandbox::app_ok(),
				'client_secret'  => \Fixtures::secret( 'wp-ok' )['key_id'], // The Secret ID pasted instead of the Value.
			)
		);
		$result = $this->wpcrm( array( 'verify', '--format=json', '--tables=contact' ) );
		$this->assertSame( 1, $result['code'], Wp_Cli::describe( $result ) );
		$failed = array_values(
			array_filter(
				$this->json( $result ),
				static function ( $row ) {
					return 'fail' === $row['status'];
				}
			)
		);
		$this->assertNotEmpty( $failed );
		$this->assertContains( $failed[0]['check'], array( 'input', 'token' ), wp_json_encode( $failed[0] ) );
		$this->assertNotSame( '', $failed[0]['code'] );
		$this->assertNotSame( '', $failed[0]['fix'] );
		$this->assertStringContainsString( 'Warning:', $result['stderr'], 'the summary goes to STDERR' );
	}

	public function test_status_formats_never_print_the_secret(): void {
		$this->save_seeded_connection();
		$table = $this->wpcrm( array( 'status' ) );
		$this->assertSame( 0, $table['code'], Wp_Cli::describe( $table ) );
		$this->assertMatchesRegularExpression( '/^client_secret\tset$/m', $table['stdout'] );
		$this->assertMatchesRegularExpression( '/^application_id\t' . preg_quote( Sandbox::app_ok(), '/' ) . '$/m', $table['stdout'] );

		$json = $this->json( $this->wpcrm( array( 'status', '--format=json' ) ) );
		$this->assertSame( 'set', $json['client_secret'] );
		$this->assertSame( Sandbox::instance_url(), $json['instance_url'] );
		$this->assertSame( extension_loaded( 'wpcrm' ), $json['extension']['loaded'] );
		$this->assertNull( $json['last_check'] );
		$this->assertNull( $json['provisioning'] );
		$this->assertSame( array(), $json['audit'] );

		$yaml = $this->wpcrm( array( 'status', '--format=yaml' ) );
		$this->assertSame( 0, $yaml['code'], Wp_Cli::describe( $yaml ) );
		$this->assertMatchesRegularExpression( '/^client_secret: set$/m', $yaml['stdout'] );
		$this->assertMatchesRegularExpression( '/^extension:\n\s+loaded: (true|false)$/m', $yaml['stdout'] );

		$csv = $this->wpcrm( array( 'status', '--format=csv' ) );
		$this->assertSame( 'key,value', strtok( $csv['stdout'], "\n" ) );
		foreach ( array( $table, $yaml, $csv ) as $result ) {
			$this->assertNoSecret( $result, Sandbox::secret_ok() );
		}
	}

	public function test_status_json_is_an_object_with_the_last_check_and_the_whole_audit_trail(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$this->assertSame( 0, $this->wpcrm( array( 'verify' ) )['code'] );
		$changes = array();
		for ( $i = 0; $i < 25; $i++ ) {
			$changes[] = array( 'action' => 'created', 'kind' => 'role_assignment', 'id' => 'assignment-' . $i, 'detail' => 'Basic User', 'at' => '2026-12-06T10:00:00Z' );
		}
		$this->service( 'audit' )->record( $changes, $this->admin_id(), 'browser' );

		$json = $this->json( $this->wpcrm( array( 'status', '--format=json' ) ) );
		$this->assertSame( 'pass', $json['last_check']['status'] );
		$this->assertSame( 'cli', $json['last_check']['trigger'] );
		$this->assertNotFalse( strtotime( $json['last_check']['checked_at'] ) );
		$this->assertCount( 25, $json['audit'] );
		$this->assertSame( array( 'assignment-0', 'admin', 'browser', 'created', 'role_assignment' ), array( $json['audit'][0]['id'], $json['audit'][0]['user'], $json['audit'][0]['source'], $json['audit'][0]['action'], $json['audit'][0]['kind'] ) );

		$table = $this->wpcrm( array( 'status' ) );
		preg_match_all( '/^[^\t]*\tadmin\tbrowser\tcreated\trole_assignment\t(assignment-\d+)\t/m', $table['stdout'], $m );
		$this->assertCount( 20, $m[1], $table['stdout'] );
		$this->assertSame( 'assignment-24', $m[1][0], 'newest first' );
	}

	public function test_provision_asks_and_stops_on_no(): void {
		$result = $this->wpcrm( array( 'provision', '--instance-url=https://contoso.crm.dynamics.com' ), "n\n" );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertStringContainsString( '[y/n]', $result['stdout'] );
		$this->assertStringNotContainsString( 'To sign in', $result['stdout'] . $result['stderr'], 'nothing started' );
		$this->assertNull( $this->service( 'provisioning' )->current() );
	}

	public function test_provision_goes_on_after_yes_and_a_failure_exits_1_with_a_document(): void {
		$this->requireSandbox();
		Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );
		$result = $this->wpcrm( array( 'provision', '--instance-url=ftp://contoso.example', '--format=json' ), "y\n" );
		$this->assertSame( 1, $result['code'], Wp_Cli::describe( $result ) );
		// The prompt shares STDOUT with the document when there is no --yes; the document follows it.
		$document = json_decode( substr( $result['stdout'], (int) strpos( $result['stdout'], '{' ) ), true );
		$this->assertSame( 'failed', $document['status'] ?? null, Wp_Cli::describe( $result ) );
		$this->assertSame( 'invalid_instance_url', $document['error']['code'] );
		$this->assertStringContainsString( 'Error:', $result['stderr'] );

		$days = $this->wpcrm( array( 'provision', '--secret-days=0', '--yes' ) );
		$this->assertSame( 1, $days['code'], Wp_Cli::describe( $days ) );
		$this->assertStringContainsString( '--secret-days', $days['stderr'] );
	}

	/**
	 * The operator reads the code WP-CLI prints, signs in (the sandbox's control API approves it), watches
	 * the steps; then rolls back with --format=json, where the code comes on STDERR and STDOUT is the result.
	 */
	public function test_provision_prints_the_code_polls_draws_steps_then_rollback_as_json(): void {
		$this->requireSandbox();
		$proc = Wp_Cli::start( array( 'wpcrm', 'provision', '--instance-url=' . Sandbox::instance_url(), '--tables=contact', '--secret-days=60', '--yes', '--user=admin' ), true, $pipes );
		fclose( $pipes[0] );
		$stdout = $this->read_until_code( $pipes[1], $code );
		$this->assertSame( 204, Sandbox::approve( $code ) );
		$stdout .= stream_get_contents( $pipes[1] );
		$stderr  = stream_get_contents( $pipes[2] );
		$result  = array(
			'code'   => proc_close( $proc ),
			'stdout' => $stdout,
			'stderr' => $stderr,
		);
		wp_cache_flush();
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertStringContainsString( 'To sign in, open ' . Sandbox::url() . '/devicelogin', $stdout );
		$this->assertStringContainsString( '[done] Register the Entra ID application', $stdout );
		$this->assertStringContainsString( 'Success: Setup finished', $stdout );
		$this->assertStringContainsString( 'use --show-secret', $stdout );
		$secret = $this->service( 'settings' )->secret();
		$this->assertNotEmpty( $secret );
		$this->assertNoSecret( $result, $secret );
		$this->assertSame( 'admin', $this->service( 'audit' )->all()[0]['user_login'], '--user=admin is who did it' );

		if ( ! $this->service( 'provisioning' )->current()['can_rollback'] ) {
			$this->assertSame( 'dropped', get_option( 'wpcrm_connect_provision_run' )['secret_forgotten'], 'an engine without forget_secret: the state was dropped' );
			return;
		}
		$proc = Wp_Cli::start( array( 'wpcrm', 'rollback', '--yes', '--format=json' ), true, $pipes );
		fclose( $pipes[0] );
		$stderr = $this->read_until_code( $pipes[2], $code );
		$this->assertSame( 204, Sandbox::approve( $code ), 'the rollback asked for a new sign-in' );
		$result = array(
			'stdout' => stream_get_contents( $pipes[1] ),
			'stderr' => $stderr . stream_get_contents( $pipes[2] ),
		);
		$result['code'] = proc_close( $proc );
		wp_cache_flush();
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$document = $this->json( $result );
		$this->assertSame( 'rolled_back', $document['status'] );
		$this->assertNotEmpty( $document['steps'] );
		$this->assertSame( 'missing', $this->service( 'settings' )->secret_state() );
	}

	public function test_provision_json_with_show_secret_is_one_document(): void {
		$this->requireSandbox();
		Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );
		$result = $this->wpcrm( array( 'provision', '--instance-url=' . Sandbox::instance_url(), '--tables=contact', '--show-secret', '--yes', '--format=json' ) );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$document = $this->json( $result );
		$secret   = $this->service( 'settings' )->secret();
		$this->assertSame( 'done', $document['status'] );
		$this->assertSame( $secret, $document['connection']['client_secret'] );
		$this->assertSame( Sandbox::instance_url(), $document['connection']['instance_url'] );
		$this->assertSame( $this->service( 'settings' )->connection()['application_id'], $document['connection']['application_id'] );
		$this->assertContains( 'wpcrm_connect_settings', $document['saved_to'] );
		$this->assertSame( 'pass', $document['verification']['status'] );
		$this->assertSame( array(), $document['verification']['failed'] );
		$this->assertContains( 'register_app', array_column( $document['steps'], 'id' ) );
		$this->assertStringContainsString( 'To sign in', $result['stderr'], 'progress on STDERR' );
		$this->assertStringContainsString( '[done] ', $result['stderr'] );

		$yaml = $this->wpcrm( array( 'provision', '--instance-url=' . Sandbox::instance_url(), '--tables=contact', '--yes', '--format=yaml' ) );
		$this->assertSame( 0, $yaml['code'], Wp_Cli::describe( $yaml ) );
		$this->assertMatchesRegularExpression( '/^status: done$/m', $yaml['stdout'] );
		$this->assertNoSecret( $yaml, $this->service( 'settings' )->secret() );
	}

	public function test_provision_without_an_instance_url_lists_the_environments(): void {
		$this->requireSandbox();
		Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );
		$table = $this->wpcrm( array( 'provision', '--yes' ) );
		$this->assertSame( 1, $table['code'], Wp_Cli::describe( $table ) );
		$this->assertStringContainsString( Sandbox::instance_url(), $table['stdout'] );
		$this->assertStringContainsString( '--instance-url=<url>', $table['stderr'] );

		$json = $this->wpcrm( array( 'provision', '--yes', '--format=json' ) );
		$this->assertSame( 1, $json['code'], Wp_Cli::describe( $json ) );
		$document = $this->json( $json );
		$this->assertSame( 'choose_environment', $document['status'] );
		$this->assertContains( Sandbox::instance_url(), array_column( $document['environments'], 'url' ) );
	}

	public function test_verify_with_warnings_exits_0(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$this->service( 'settings' )->save( array( 'secret_expires_at' => gmdate( 'c', time() + 10 * DAY_IN_SECONDS ) ) );
		$result = $this->wpcrm( array( 'verify', '--format=json', '--fields=check,status,code' ) );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertContains( array( 'check' => 'secret_expiry', 'status' => 'warn', 'code' => 'secret_expiring' ), $this->json( $result ) );
		$table = $this->wpcrm( array( 'verify' ) );
		$this->assertSame( 0, $table['code'], Wp_Cli::describe( $table ) );
		$this->assertStringContainsString( 'Success:', $table['stdout'] );
	}

	public function test_rollback_asks_and_stops_on_no(): void {
		// A finished run this site could undo (what the store holds after a setup).
		$this->service( 'store' )->put( array( 'state' => 'wpcrm.s1.not-opened-when-declined', 'status' => 'done', 'saved' => true, 'application_id' => Sandbox::app_ok(), 'started_by' => array( 'id' => 1, 'login' => 'admin' ) ) );
		$result = $this->wpcrm( array( 'rollback' ), "n\n" );
		$this->assertSame( 0, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertStringContainsString( '[y/n]', $result['stdout'] );
		$this->assertSame( 'done', $this->service( 'provisioning' )->current()['status'], 'nothing was undone' );
		$this->assertSame( array(), $this->service( 'audit' )->all() );
	}

	/** Another writer holds the site's lock (the browser, say): the command waits its 30 s, then stops with 1. */
	public function test_provision_waits_a_bounded_time_for_the_lock_then_exits_1(): void {
		$this->requireExtension();
		$other = new \wpdb( DB_USER, DB_PASSWORD, DB_NAME, DB_HOST );
		$other->get_var( $other->prepare( 'SELECT GET_LOCK(%s, 0)', \Wpcrm\Connect\Provision_Lock::name() ) );
		try {
			$started = microtime( true );
			$result  = $this->wpcrm( array( 'provision', '--instance-url=https://contoso.crm.dynamics.com', '--yes', '--format=json' ) );
			$this->assertGreaterThanOrEqual( Command::LOCK_WAIT - 1, microtime( true ) - $started, 'it waited' );
			$this->assertSame( 1, $result['code'], Wp_Cli::describe( $result ) );
			$document = $this->json( $result );
			$this->assertSame( 'busy', $document['status'] );
			$this->assertSame( 'busy', $document['error']['code'] );
			$this->assertStringContainsString( (string) Command::LOCK_WAIT, $result['stderr'] );
		} finally {
			$other->close();
		}
	}

	public function test_rollback_without_a_run_exits_1(): void {
		$result = $this->wpcrm( array( 'rollback', '--yes' ) );
		$this->assertSame( 1, $result['code'], Wp_Cli::describe( $result ) );
		$this->assertSame( '', $result['stdout'] );
		$this->assertStringContainsString( 'Error:', $result['stderr'] );
	}

	/**
	 * Reads a pipe until a device code appears; returns what was read and sets $code.
	 *
	 * @param resource $pipe Pipe.
	 * @param string   $code The code.
	 */
	private function read_until_code( $pipe, ?string &$code ): string {
		$read     = '';
		$deadline = microtime( true ) + 60;
		while ( ! feof( $pipe ) && microtime( true ) < $deadline ) {
			$line  = (string) fgets( $pipe );
			$read .= $line;
			if ( preg_match( '/enter the code ([A-Z0-9]{8})/', $line, $m ) ) {
				$code = $m[1];
				return $read;
			}
		}
		$this->fail( 'no device code in: ' . $read );
	}
}
