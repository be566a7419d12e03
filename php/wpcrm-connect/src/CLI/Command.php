<?php
/**
 * `wp wpcrm` commands.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

use Wpcrm\Connect\Audit_Log;
use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Messages;
use Wpcrm\Connect\Provisioning;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Verifier;

/**
 * Sets up, verifies and watches the Microsoft Dataverse connection of this site.
 *
 * ## EXAMPLES
 *
 *     # Check the saved connection (exit status 1 when a check fails).
 *     $ wp wpcrm verify
 *     +----------+--------+---------------------------+------------------------------+-----+------+
 *     | check    | status | title                     | detail                       | fix | ms   |
 *     +----------+--------+---------------------------+------------------------------+-----+------+
 *     | token    | pass   | Sign in as the app        | Got a token for the instance |     | 112  |
 *     ...
 *     Success: The connection works: every check passed.
 *
 *     # Create the app registration, secret, application user and role, and save them.
 *     $ wp wpcrm provision --instance-url=https://contoso.crm.dynamics.com --yes
 *     To sign in, open https://microsoft.com/devicelogin and enter the code ABCD1234.
 *     [done] Sign in
 *     ...
 *     Success: Setup finished; the values were saved.
 */
final class Command {

	/** Seconds a command waits for the site's provisioning lock before it gives up. */
	public const LOCK_WAIT = 30;

	/** Columns of the audit table. */
	private const AUDIT_FIELDS = array( 'at', 'user', 'source', 'action', 'kind', 'id', 'detail' );

	/** Columns of the verification table. */
	private const VERIFY_FIELDS = array( 'check', 'status', 'title', 'detail', 'fix', 'code', 'ms' );

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

	/**
	 * Settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Verifier.
	 *
	 * @var Verifier
	 */
	private $verifier;

	/**
	 * Provisioning.
	 *
	 * @var Provisioning
	 */
	private $provisioning;

	/**
	 * Waits between polls (seconds); injectable for tests.
	 *
	 * @var callable
	 */
	private $sleep;

	/**
	 * Audit log.
	 *
	 * @var Audit_Log
	 */
	private $audit;

	/**
	 * Seconds to wait for the lock (tests lower it).
	 *
	 * @var int
	 */
	public $lock_wait = self::LOCK_WAIT;

	/**
	 * Reads the pasted address of the browser sign-in (tests inject it); null reads STDIN.
	 *
	 * @var callable|null
	 */
	public $read_line = null;

	/**
	 * Constructor.
	 *
	 * @param Extension     $extension    Extension.
	 * @param Settings      $settings     Settings.
	 * @param Verifier      $verifier     Verifier.
	 * @param Provisioning  $provisioning Provisioning.
	 * @param callable|null $sleep        Sleeper taking seconds; defaults to sleep().
	 * @param Audit_Log     $audit        Audit log.
	 */
	public function __construct( Extension $extension, Settings $settings, Verifier $verifier, Provisioning $provisioning, ?callable $sleep = null, ?Audit_Log $audit = null ) {
		$this->audit        = $audit ?? new Audit_Log();
		$this->extension    = $extension;
		$this->settings     = $settings;
		$this->verifier     = $verifier;
		$this->provisioning = $provisioning;
		$this->sleep        = $sleep ?? static function ( int $seconds ): void {
			sleep( $seconds );
		};
	}

	/**
	 * Verifies the saved connection and prints one row per check.
	 *
	 * Exits with status 1 when any check failed, so cron jobs and monitoring can use it.
	 *
	 * ## OPTIONS
	 *
	 * [--tables=<list>]
	 * : Tables to check instead of the saved ones: comma separated logical names, each optionally followed by a colon and access kinds joined with "+" (read, create, write, delete, append, appendto).
	 *
	 * [--network]
	 * : On multisite, verify every site's saved connection concurrently (progress bar, summary table; see verify-many).
	 *
	 * [--fields=<fields>]
	 * : Limit the output to these columns (check, status, title, detail, fix, code, ms).
	 *
	 * [--field=<field>]
	 * : Print only this column's value, one line per check.
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp wpcrm verify --tables=contact,lead:read+create
	 *     $ wp wpcrm verify --format=json --fields=check,status,code
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function verify( $args, $assoc_args ) {
		if ( ! empty( $assoc_args['network'] ) ) {
			Fleet_Command::network( $this->settings, $assoc_args ); // The fleet's own class (issue 13, i18n).
			return;
		}
		$format = (string) ( $assoc_args['format'] ?? 'table' );
		$tables = isset( $assoc_args['tables'] ) ? self::parse_tables_flag( (string) $assoc_args['tables'] ) : null;
		$report = Messages::localize_report( $this->verifier->run( $tables, 'cli' ) );

		$rows = array();
		foreach ( (array) ( $report['checks'] ?? array() ) as $check ) {
			$rows[] = array(
				'check'  => (string) ( $check['id'] ?? '' ),
				'status' => (string) ( $check['status'] ?? '' ),
				'title'  => (string) ( $check['title'] ?? '' ),
				'detail' => (string) ( $check['detail'] ?? '' ),
				'fix'    => (string) ( $check['fix'] ?? '' ),
				'code'   => (string) ( $check['code'] ?? '' ),
				'ms'     => (int) ( $check['elapsed_ms'] ?? 0 ),
			);
		}
		$formatter = new \WP_CLI\Formatter( $assoc_args, self::VERIFY_FIELDS );
		$formatter->display_items( $rows );

		$status = Verifier::status( $report );
		if ( 'fail' === $status ) {
			$failed = count( Verifier::checks_with( $report, 'fail' ) );
			\WP_CLI::warning( sprintf( '%d of %d checks failed.', $failed, count( $rows ) ) );
			\WP_CLI::halt( 1 );
			return;
		}
		if ( 'table' === $format && ! isset( $assoc_args['field'] ) ) {
			\WP_CLI::success( 'warn' === $status ? 'The connection works, with warnings.' : 'The connection works: every check passed.' );
		}
	}

	/**
	 * Creates the app registration, its secret, the application user and a least-privilege role, then saves the values.
	 *
	 * Prints the device code to sign in with, polls until you have signed in, draws the steps as they finish and
	 * prints the result. The client secret is saved encrypted and printed only with --show-secret. In the json
	 * or yaml format, STDOUT carries only the result object (status, connection, saved_to, verification,
	 * steps, error) and the sign-in code and steps go to STDERR. Exits with 1 when setup did not finish.
	 *
	 * ## OPTIONS
	 *
	 * [--instance-url=<url>]
	 * : Dataverse environment URL. Without it, the environments you administer are listed.
	 *
	 * [--tables=<list>]
	 * : Tables the site needs: comma separated logical names, each optionally followed by a colon and access kinds joined with "+".
	 *
	 * [--secret-days=<n>]
	 * : Lifetime of the client secret in days (1 to 730).
	 * ---
	 * default: 180
	 * ---
	 *
	 * [--cloud=<cloud>]
	 * : Microsoft cloud to set up in. Without it, the cloud follows --instance-url (the public cloud without one).
	 * ---
	 * options:
	 *   - public
	 *   - gcc
	 *   - usgovhigh
	 *   - usgovdod
	 *   - china
	 * ---
	 *
	 * [--sign-in=<method>]
	 * : How to sign in: "device_code" (enter a code) or "browser" (open a link, then paste the address the browser ends on; works where Conditional Access blocks the device code).
	 * ---
	 * default: device_code
	 * options:
	 *   - device_code
	 *   - browser
	 * ---
	 *
	 * [--show-secret]
	 * : Print the client secret value.
	 *
	 * [--format=<format>]
	 * : Output format of the result.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 * ---
	 *
	 * [--yes]
	 * : Do not ask for confirmation.
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp wpcrm provision --instance-url=https://contoso.crm.dynamics.com --tables=contact,incident --yes
	 *     $ wp wpcrm provision --instance-url=https://contoso.crm.dynamics.com --yes --format=json | jq -r .connection.application_id
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function provision( $args, $assoc_args ) {
		\WP_CLI::confirm( 'Create (or reuse) an app registration, client secret, application user and security role for this site in the tenant you sign in to?', $assoc_args );

		$out    = new Output( (string) ( $assoc_args['format'] ?? 'table' ) );
		$params = array(
			'instance_url' => (string) ( $assoc_args['instance-url'] ?? '' ),
			'tables'       => isset( $assoc_args['tables'] ) ? self::parse_tables_flag( (string) $assoc_args['tables'] ) : null,
			'secret_days'  => (int) ( $assoc_args['secret-days'] ?? Provisioning::DEFAULT_SECRET_DAYS ),
			'cloud'        => (string) ( $assoc_args['cloud'] ?? '' ),
			'timeout'      => 20,
			'source'       => 'cli',
			'lock_wait'    => $this->lock_wait,
			'sign_in_method' => (string) ( $assoc_args['sign-in'] ?? 'device_code' ),
		);
		if ( ! is_numeric( $assoc_args['secret-days'] ?? '180' ) || $params['secret_days'] < 1 || $params['secret_days'] > 730 ) {
			\WP_CLI::error( '--secret-days must be a number of days between 1 and 730.' );
		}
		if ( ! in_array( $params['cloud'], Provisioning::CLOUDS, true ) ) {
			\WP_CLI::error( '--cloud must be one of public, gcc, usgovhigh, usgovdod, china.' );
		}

		$user_id   = get_current_user_id();
		$action    = 'start';
		$shown     = array();
		$signed_in = false;
		$deadline  = time() + 20 * MINUTE_IN_SECONDS;
		do {
			$result = $this->provisioning->step( $user_id, $action, $params );
			$action = 'poll';
			unset( $params['sign_in_response_url'] ); // Used once.
			$this->check_busy( $result, $out );
			$out->steps( $result['steps'] ?? array(), $shown );
			Output::notices( $result );

			switch ( $result['status'] ) {
				case 'sign_in_required':
					if ( 'browser' === ( $result['sign_in']['method'] ?? '' ) ) {
						$params['sign_in_response_url'] = Browser_Sign_In::ask( (array) $result['sign_in'], $this->read_line, $out );
						break;
					}
					if ( ! $signed_in ) {
						$out->progress( self::sign_in_line( $result ) );
						$signed_in = true;
					}
					( $this->sleep )( 2 );
					break;
				case 'in_progress':
					( $this->sleep )( 1 );
					break;
				case 'choose_environment':
					$this->choose_environment( $result, $out, $user_id );
					return;
				case 'done':
					$this->print_done( $result, ! empty( $assoc_args['show-secret'] ), $out );
					return;
				case 'failed':
				default:
					$error = (array) ( $result['error'] ?? array() );
					if ( $out->is_document() ) {
						$out->document(
							array(
								'status' => 'failed',
								'error'  => array(
									'step'    => $error['step'] ?? null,
									'code'    => (string) ( $error['code'] ?? '' ),
									'message' => (string) ( $error['message'] ?? '' ),
									'fix'     => (string) ( $error['fix'] ?? '' ),
								),
								'steps'  => Output::step_list( (array) ( $result['steps'] ?? array() ) ),
							)
						);
					}
					\WP_CLI::error( Output::failure( 'Setup', $result ) );
					return;
			}
		} while ( time() < $deadline );
		\WP_CLI::error( 'Gave up waiting for the sign-in; run the command again to resume.' );
	}

	/**
	 * Lists the environments the admin may pick, cancels the run and stops with 1.
	 *
	 * @param array  $result  Step result.
	 * @param Output $out     Output.
	 * @param int    $user_id User.
	 */
	private function choose_environment( array $result, Output $out, int $user_id ): void {
		$rows = array();
		foreach ( (array) ( $result['environments'] ?? array() ) as $env ) {
			$rows[] = array(
				'url'           => (string) ( $env['url'] ?? '' ),
				'friendly_name' => (string) ( $env['friendly_name'] ?? '' ),
				'region'        => (string) ( $env['region'] ?? '' ),
				'system_admin'  => ! empty( $env['is_system_admin'] ) ? 'yes' : 'no',
			);
		}
		if ( $out->is_document() ) {
			$out->document(
				array(
					'status'       => 'choose_environment',
					'environments' => $rows,
				)
			);
		} else {
			\WP_CLI\Utils\format_items( 'table', $rows, array( 'url', 'friendly_name', 'region', 'system_admin' ) );
		}
		$this->provisioning->step(
			$user_id,
			'cancel',
			array(
				'source'    => 'cli',
				'lock_wait' => $this->lock_wait,
			)
		);
		\WP_CLI::error( 'Choose the environment: run the command again with --instance-url=<url> from the list above.' );
	}

	/**
	 * The line telling the operator where to sign in.
	 *
	 * @param array $result A sign_in_required result.
	 */
	private static function sign_in_line( array $result ): string {
		$sign_in = (array) ( $result['sign_in'] ?? array() );
		return sprintf(
			'To sign in, open %s and enter the code %s',
			(string) ( $sign_in['verification_uri'] ?? '' ),
			(string) ( $sign_in['user_code'] ?? '' )
		);
	}

	/**
	 * Shows the saved connection, the last check, the site's provisioning run and what setup changed in the tenant.
	 *
	 * The table and csv formats print key/value rows and the last 20 changes; json and yaml print one object:
	 * instance_url, tenant_id, application_id, client_secret (missing, set, undecryptable or constant; never the
	 * value), secret_expires_at, extension (loaded, version), last_check (status, checked_at, trigger; or null),
	 * provisioning (status, started_by, can_rollback; or null) and audit (every recorded change, oldest first).
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp wpcrm status
	 *     $ wp wpcrm status --format=json | jq -r .last_check.status
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function status( $args, $assoc_args ) {
		$conn   = $this->settings->connection();
		$last   = $this->verifier->last();
		$run    = $this->provisioning->current();
		$object = array(
			'instance_url'      => (string) $conn['instance_url'],
			'tenant_id'         => (string) ( $conn['tenant_id'] ?? '' ),
			'application_id'    => (string) $conn['application_id'],
			'client_secret'     => $this->settings->secret_state(),
			'secret_expires_at' => $this->settings->secret_expires_at(),
			'extension'         => array(
				'loaded'  => $this->extension->available(),
				'version' => $this->extension->available() ? $this->extension->version() : null,
			),
			'last_check'        => null === $last ? null : array(
				'status'     => Verifier::status( $last['report'] ),
				'checked_at' => gmdate( 'c', (int) $last['checked_at'] ),
				'trigger'    => (string) ( $last['trigger'] ?? '' ),
			),
			'provisioning'      => null === $run ? null : array(
				'status'       => $run['status'],
				'started_by'   => $run['started_by'],
				'can_rollback' => $run['can_rollback'],
			),
		);
		$format = (string) ( $assoc_args['format'] ?? 'table' );
		$out    = new Output( $format );
		if ( $out->is_document() ) {
			$object['audit'] = array_map( array( self::class, 'audit_row' ), $this->audit->all() );
			$out->document( $object );
			return;
		}
		$rows = array(
			array(
				'key'   => 'extension',
				'value' => $object['extension']['loaded'] ? (string) ( $object['extension']['version'] ?? 'loaded' ) : 'not loaded',
			),
		);
		foreach ( array( 'instance_url', 'tenant_id', 'application_id', 'client_secret', 'secret_expires_at' ) as $key ) {
			$rows[] = array(
				'key'   => $key,
				'value' => (string) $object[ $key ],
			);
		}
		$rows[] = array(
			'key'   => 'last_check',
			'value' => null === $last ? 'never' : $object['last_check']['status'] . ' ' . $object['last_check']['checked_at'],
		);
		$rows[] = array(
			'key'   => 'provisioning',
			'value' => null === $run ? 'none' : $run['status'] . ( '' !== $run['started_by'] ? ' (started by ' . $run['started_by'] . ')' : '' ),
		);
		\WP_CLI\Utils\format_items( $format, $rows, array( 'key', 'value' ) );
		$latest = $this->audit->latest( 20 );
		if ( $latest ) {
			\WP_CLI::log( 'Changes made by setup (last 20, newest first):' );
			\WP_CLI\Utils\format_items( $format, array_map( array( self::class, 'audit_row' ), $latest ), self::AUDIT_FIELDS );
		}
	}

	/**
	 * An audit entry for output.
	 *
	 * @param array $entry Entry.
	 * @return array
	 */
	private static function audit_row( array $entry ): array {
		return array(
			'at'      => (string) ( $entry['at'] ?? '' ),
			'user'    => '' !== (string) ( $entry['user_login'] ?? '' ) ? (string) $entry['user_login'] : '#' . (int) ( $entry['user_id'] ?? 0 ),
			'user_id' => (int) ( $entry['user_id'] ?? 0 ),
			'source'  => (string) ( $entry['source'] ?? '' ),
			'blog_id' => (int) ( $entry['blog_id'] ?? 0 ),
			'action'  => (string) ( $entry['action'] ?? '' ),
			'kind'    => (string) ( $entry['kind'] ?? '' ),
			'id'      => (string) ( $entry['id'] ?? '' ),
			'detail'  => (string) ( $entry['detail'] ?? '' ),
		);
	}

	/**
	 * Stops when another writer holds the site's lock beyond the wait.
	 *
	 * @param array  $result Step result.
	 * @param Output $out    Output.
	 */
	private function check_busy( array $result, Output $out ): void {
		if ( 'busy' === ( $result['status'] ?? '' ) ) {
			if ( $out->is_document() ) {
				$out->document(
					array(
						'status' => 'busy',
						'error'  => array(
							'step'    => null,
							'code'    => 'busy',
							'message' => (string) ( $result['error']['message'] ?? '' ),
							'fix'     => '',
						),
					)
				);
			}
			\WP_CLI::error( sprintf( 'Another setup step kept this site\'s provisioning busy for more than %d seconds (the browser, another administrator or another command). Try again in a moment.', $this->lock_wait ) );
		}
	}

	/**
	 * Undoes the last provisioning run: deletes what it created and clears the saved values.
	 *
	 * In the json or yaml format, STDOUT carries only the result object (status `rolled_back`, steps) and the
	 * sign-in code and steps go to STDERR. Exits with 1 when there is nothing to undo or the rollback failed.
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : Output format of the result.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 * ---
	 *
	 * [--sign-in=<method>]
	 * : How to sign in: "device_code" (enter a code) or "browser" (open a link, then paste the address the browser ends on; works where Conditional Access blocks the device code).
	 * ---
	 * default: device_code
	 * options:
	 *   - device_code
	 *   - browser
	 * ---
	 *
	 * [--yes]
	 * : Do not ask for confirmation.
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp wpcrm rollback --yes
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function rollback( $args, $assoc_args ) {
		$user_id = get_current_user_id();
		if ( null === $this->provisioning->current() ) {
			\WP_CLI::error( 'There is no provisioning run to roll back on this site.' );
		}
		\WP_CLI::confirm( 'Delete the app registration, secret, application user and role this site\'s provisioning created?', $assoc_args );
		$out    = new Output( (string) ( $assoc_args['format'] ?? 'table' ) );
		$shown  = array();
		$params = array(
			'timeout'        => 20,
			'source'         => 'cli',
			'lock_wait'      => $this->lock_wait,
			'sign_in_method' => (string) ( $assoc_args['sign-in'] ?? 'device_code' ),
		);
		for ( $i = 0; $i < 600; $i++ ) {
			$result = $this->provisioning->step( $user_id, 'rollback', $params );
			unset( $params['sign_in_response_url'] ); // Used once.
			$this->check_busy( $result, $out );
			$out->steps( $result['steps'] ?? array(), $shown );
			Output::notices( $result );
			if ( 'rolled_back' === $result['status'] ) {
				if ( $out->is_document() ) {
					$out->document(
						array(
							'status' => 'rolled_back',
							'steps'  => Output::step_list( (array) ( $result['steps'] ?? array() ) ),
						)
					);
					return;
				}
				\WP_CLI::success( 'The setup was undone.' );
				return;
			}
			if ( 'sign_in_required' === $result['status'] ) {
				if ( 'browser' === ( $result['sign_in']['method'] ?? '' ) ) {
					$params['sign_in_response_url'] = Browser_Sign_In::ask( (array) $result['sign_in'], $this->read_line, $out );
					continue;
				}
				if ( empty( $shown['__sign_in'] ) ) {
					$out->progress( self::sign_in_line( $result ) );
					$shown['__sign_in'] = '1';
				}
				( $this->sleep )( 2 );
				continue;
			}
			if ( 'in_progress' !== $result['status'] ) {
				$error = (array) ( $result['error'] ?? array() );
				if ( $out->is_document() ) {
					$out->document(
						array(
							'status' => 'failed',
							'error'  => $error,
							'steps'  => Output::step_list( (array) ( $result['steps'] ?? array() ) ),
						)
					);
				}
				\WP_CLI::error( 'Rollback failed: ' . (string) ( $error['message'] ?? $result['status'] ) );
				return;
			}
			( $this->sleep )( 1 );
		}
		\WP_CLI::error( 'Rollback did not finish; run the command again to resume.' );
	}

	/**
	 * Prints the result of a finished run.
	 *
	 * @param array  $result      Result.
	 * @param bool   $show_secret Whether to print the secret value.
	 * @param Output $out         Output.
	 */
	private function print_done( array $result, bool $show_secret, Output $out ): void {
		$conn         = (array) ( $result['connection'] ?? array() );
		$verification = is_array( $result['verification'] ?? null ) ? $result['verification'] : null;
		$failed       = null !== $verification && 'fail' === Verifier::status( $verification );
		if ( $out->is_document() ) {
			$connection = array();
			foreach ( array( 'instance_url', 'tenant_id', 'application_id', 'secret_expires_at' ) as $key ) {
				$connection[ $key ] = $conn[ $key ] ?? null;
			}
			if ( $show_secret ) {
				$connection['client_secret'] = (string) ( $result['secret'] ?? '' );
			}
			$out->document(
				array(
					'status'       => 'done',
					'connection'   => $connection,
					'saved_to'     => array_values( (array) ( $result['saved_to'] ?? array() ) ),
					'verification' => null === $verification ? null : array(
						'status' => Verifier::status( $verification ),
						'failed' => array_values( wp_list_pluck( Verifier::checks_with( $verification, 'fail' ), 'id' ) ),
					),
					'steps'        => Output::step_list( (array) ( $result['steps'] ?? array() ) ),
				)
			);
			if ( $failed ) {
				\WP_CLI::warning( 'Setup finished, but the verification failed; run "wp wpcrm verify" for details.' );
			}
			return;
		}
		$rows = array();
		foreach ( array( 'instance_url', 'tenant_id', 'application_id', 'secret_expires_at' ) as $key ) {
			$rows[] = array(
				'key'   => $key,
				'value' => (string) ( $conn[ $key ] ?? '' ),
			);
		}
		$rows[] = array(
			'key'   => 'client_secret',
			'value' => $show_secret ? (string) ( $result['secret'] ?? '' ) : 'saved encrypted (use --show-secret to print it)',
		);
		$rows[] = array(
			'key'   => 'saved_to',
			'value' => implode( ', ', (array) ( $result['saved_to'] ?? array() ) ),
		);
		\WP_CLI\Utils\format_items( 'table', $rows, array( 'key', 'value' ) );
		if ( $failed ) {
			\WP_CLI::warning( 'Setup finished, but the verification failed; run "wp wpcrm verify" for details.' );
			return;
		}
		\WP_CLI::success( 'Setup finished; the values were saved.' );
	}

	/**
	 * Parses `contact,lead:read+create` into a tables map.
	 *
	 * @param string $flag Flag value.
	 * @return array<string,string[]>
	 */
	public static function parse_tables_flag( string $flag ): array {
		$map = array();
		foreach ( array_filter( array_map( 'trim', explode( ',', $flag ) ) ) as $item ) {
			$parts = explode( ':', $item, 2 );
			$map[ trim( $parts[0] ) ] = isset( $parts[1] ) ? explode( '+', $parts[1] ) : array( 'read' );
		}
		$errors = array();
		$tables = \Wpcrm\Connect\Tables::parse( $map, $errors );
		if ( $errors ) {
			\WP_CLI::error( 'Not a table logical name with access kinds: ' . implode( ', ', $errors ) );
		}
		return $tables;
	}
}
