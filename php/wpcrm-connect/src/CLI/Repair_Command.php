<?php
/**
 * `wp wpcrm repair`.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

use Wpcrm\Connect\Provisioning;
use Wpcrm\Connect\Verifier;

/**
 * Repairs what verification found that setup could fix, in one administrator sign-in.
 *
 * Works on what this site's setup created (the finished run): re-enables or recreates the
 * application user, moves it back to the root business unit, assigns the roles it lost, and adds
 * the privileges the site's tables need to the site's own role. Never a new app registration or a
 * new secret. Then verifies again; exits 1 when the connection still fails.
 */
final class Repair_Command {

	/** Columns of the changes table. */
	private const FIELDS = array( 'action', 'kind', 'id', 'detail' );

	/**
	 * Provisioning.
	 *
	 * @var Provisioning
	 */
	private $provisioning;

	/**
	 * Reads the pasted address of the browser sign-in (null: STDIN).
	 *
	 * @var callable|null
	 */
	public $read_line = null;

	/**
	 * Sleeper taking seconds.
	 *
	 * @var callable
	 */
	private $sleep;

	/**
	 * Constructor.
	 *
	 * @param Provisioning  $provisioning Provisioning.
	 * @param callable|null $sleep        Sleeper taking seconds; defaults to sleep().
	 */
	public function __construct( Provisioning $provisioning, ?callable $sleep = null ) {
		$this->provisioning = $provisioning;
		$this->sleep        = $sleep ?? static function ( int $seconds ): void {
			sleep( $seconds );
		};
	}

	/**
	 * Repairs what verify found that setup could fix, in one administrator sign-in.
	 *
	 * Works on what this site's setup created; never a new app registration or secret. The sign-in
	 * code is shown in the terminal; the connection is verified again at the end (exit 1 when it
	 * still fails).
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : Output format of the result (json and yaml print one document on STDOUT; the sign-in code goes to STDERR).
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
	 *     $ wp wpcrm repair --yes
	 *     To sign in, open https://microsoft.com/devicelogin and enter the code ABCD1234.
	 *     [done] Sign in as an administrator
	 *     +---------+------------------+--------------------------------------+---------------------------------+
	 *     | action  | kind             | id                                   | detail                          |
	 *     +---------+------------------+--------------------------------------+---------------------------------+
	 *     | updated | application_user | 9d1c…                                | enabled (repair)                |
	 *     +---------+------------------+--------------------------------------+---------------------------------+
	 *     Success: Repaired; the connection was verified again.
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function __invoke( $args, $assoc_args ) {
		\WP_CLI::confirm( 'Sign in as an administrator and repair what this site\'s setup created (application user, its roles, the site\'s role)?', $assoc_args );
		$out      = new Output( (string) ( $assoc_args['format'] ?? 'table' ) );
		$params   = array(
			'timeout'        => 20,
			'source'         => 'cli',
			'lock_wait'      => Command::LOCK_WAIT,
			'sign_in_method' => (string) ( $assoc_args['sign-in'] ?? 'device_code' ),
		);
		$action   = 'repair';
		$shown    = array();
		$code     = '';
		$deadline = time() + 20 * MINUTE_IN_SECONDS;
		do {
			$result = $this->provisioning->step( get_current_user_id(), $action, $params );
			$action = 'poll';
			unset( $params['sign_in_response_url'] ); // Used once.
			$out->steps( $result['steps'] ?? array(), $shown );
			Output::notices( $result );
			switch ( $result['status'] ?? 'failed' ) {
				case 'sign_in_required':
					$sign_in = (array) ( $result['sign_in'] ?? array() );
					if ( 'browser' === ( $sign_in['method'] ?? '' ) ) {
						$params['sign_in_response_url'] = Browser_Sign_In::ask( $sign_in, $this->read_line, $out );
						break;
					}
					if ( ( $sign_in['user_code'] ?? '' ) !== $code ) {
						$code = (string) ( $sign_in['user_code'] ?? '' );
						$out->progress( sprintf( 'To sign in, open %s and enter the code %s', (string) ( $sign_in['verification_uri'] ?? '' ), $code ) );
					}
					( $this->sleep )( 2 );
					break;
				case 'in_progress':
					( $this->sleep )( 1 );
					break;
				case 'done':
					$this->print_done( $result, $out );
					return;
				default:
					$this->print_failure( $result, $out );
					return;
			}
		} while ( time() < $deadline );
		\WP_CLI::error( 'Gave up waiting for the sign-in; run the command again.' );
	}

	/**
	 * The changes made, and the verification's verdict (exit 1 when it still fails).
	 *
	 * @param array  $result Result.
	 * @param Output $out    Output.
	 */
	private function print_done( array $result, Output $out ): void {
		$rows = array();
		foreach ( (array) ( $result['changes'] ?? array() ) as $change ) {
			$rows[] = array_intersect_key( (array) $change, array_flip( self::FIELDS ) ) + array_fill_keys( self::FIELDS, '' );
		}
		$verification = is_array( $result['verification'] ?? null ) ? $result['verification'] : array();
		$status       = Verifier::status( $verification );
		if ( $out->is_document() ) {
			$out->document(
				array(
					'status'       => 'repaired',
					'changes'      => $rows,
					'verification' => $status,
				)
			);
		} elseif ( $rows ) {
			\WP_CLI\Utils\format_items( 'table', $rows, self::FIELDS );
		} else {
			\WP_CLI::log( 'Nothing needed a change.' );
		}
		if ( 'fail' === $status ) {
			\WP_CLI::error( 'Repaired what setup can fix, but the connection still fails; run "wp wpcrm verify" for what is left.' );
		}
		if ( ! $out->is_document() ) {
			\WP_CLI::success( 'Repaired; the connection was verified again.' );
		}
	}

	/**
	 * A repair that could not run or failed: the reason (and, for json, the document); exit 1.
	 *
	 * @param array  $result Result.
	 * @param Output $out    Output.
	 */
	private function print_failure( array $result, Output $out ): void {
		$error = (array) ( $result['error'] ?? array() );
		if ( $out->is_document() ) {
			$out->document(
				array(
					'status' => (string) ( $result['status'] ?? 'failed' ),
					'error'  => array(
						'code'    => (string) ( $error['code'] ?? '' ),
						'message' => (string) ( $error['message'] ?? '' ),
						'fix'     => (string) ( $error['fix'] ?? '' ),
					),
				)
			);
		}
		\WP_CLI::error( Output::failure( 'Repair', $result ) );
	}
}
