<?php
/**
 * `wp wpcrm renew`: a new client secret for the saved connection, in one sign-in.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Provisioning;
use Wpcrm\Connect\Renewal;

/**
 * Renews the client secret of the saved connection with no downtime.
 *
 * Prints the device code to sign in with, polls like `wp wpcrm provision`, draws the steps as they
 * finish; the new secret is saved (encrypted, and to the Dynamics 365 Integration plugin when it is
 * active) before the site's older secrets are removed. The secret is never printed.
 *
 * ## EXAMPLES
 *
 *     $ wp wpcrm renew --secret-days=180 --yes
 *     To sign in, open https://microsoft.com/devicelogin and enter the code ABCD1234
 *     [done] Sign in as an administrator
 *     [done] Find the site's application
 *     [done] Add a new client secret
 *     [done] Wait until Entra ID accepts the new secret
 *     [done] Verify the connection with the new secret
 *     Success: The client secret was renewed and saved; it expires 2027-06-04T10:00:00Z.
 */
final class Renew_Command {

	/**
	 * The site's renewal.
	 *
	 * @var Renewal
	 */
	private $renewal;

	/**
	 * Sleeper (tests pass a stand-in).
	 *
	 * @var callable
	 */
	private $sleep;

	/**
	 * Seconds to wait for the site's lock.
	 *
	 * @var int
	 */
	public $lock_wait = Command::LOCK_WAIT;

	/**
	 * Reads the pasted address of the browser sign-in (null: STDIN).
	 *
	 * @var callable|null
	 */
	public $read_line = null;

	/**
	 * Constructor.
	 *
	 * @param Renewal       $renewal The site's renewal.
	 * @param callable|null $sleep   Sleeper.
	 */
	public function __construct( Renewal $renewal, ?callable $sleep = null ) {
		$this->renewal = $renewal;
		$this->sleep   = $sleep ?? static function ( int $seconds ): void {
			sleep( $seconds );
		};
	}

	/**
	 * Registers `wp wpcrm renew`, guarded like `wp wpcrm`.
	 *
	 * @param Renew_Command $command   The command.
	 * @param Extension     $extension Extension.
	 */
	public static function register( Renew_Command $command, Extension $extension ): void {
		\WP_CLI::add_command(
			'wpcrm renew',
			$command,
			array(
				'shortdesc'     => 'Renews the client secret of the saved Dataverse connection, with no downtime.',
				'before_invoke' => static function () use ( $extension ) {
					Guard::require_extension( $extension );
				},
			)
		);
	}

	/**
	 * Renews the client secret of the saved connection.
	 *
	 * ## OPTIONS
	 *
	 * [--secret-days=<n>]
	 * : Lifetime of the new client secret in days (the tenant's policy may allow less).
	 * ---
	 * default: 180
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
	 *     $ wp wpcrm renew --yes
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function __invoke( $args, $assoc_args ) {
		$days = (int) ( $assoc_args['secret-days'] ?? Provisioning::DEFAULT_SECRET_DAYS );
		if ( $days < 1 || $days > 730 ) {
			\WP_CLI::error( '--secret-days must be between 1 and 730.' );
		}
		\WP_CLI::confirm( 'Add a new client secret to this site\'s application, save it, and remove the older secrets this site created?', $assoc_args );
		$params   = array(
			'secret_days' => $days,
			'timeout'     => 20,
			'source'      => 'cli',
			'lock_wait'   => $this->lock_wait,
		);
		if ( 'browser' === ( $assoc_args['sign-in'] ?? '' ) ) {
			$params['sign_in_method'] = 'browser';
		}
		$out      = new Output( 'table' );
		$shown    = array();
		$deadline = time() + 20 * MINUTE_IN_SECONDS;
		do {
			$result = $this->renewal->step( get_current_user_id(), $params );
			unset( $params['sign_in_response_url'] ); // Used once.
			if ( 'busy' === $result['status'] ) {
				\WP_CLI::error( sprintf( 'Another setup step kept this site busy for more than %d seconds. Try again in a moment.', $this->lock_wait ) );
			}
			$out->steps( $result['steps'] ?? array(), $shown );
			Output::notices( $result );
			switch ( $result['status'] ) {
				case 'sign_in_required':
					$sign_in = (array) ( $result['sign_in'] ?? array() );
					if ( 'browser' === ( $sign_in['method'] ?? '' ) ) {
						$params['sign_in_response_url'] = Browser_Sign_In::ask( $sign_in, $this->read_line, $out );
						break;
					}
					if ( ( $shown['__sign_in'] ?? '' ) !== ( $sign_in['user_code'] ?? '' ) ) {
						\WP_CLI::log( sprintf( 'To sign in, open %s and enter the code %s', (string) ( $sign_in['verification_uri'] ?? '' ), (string) ( $sign_in['user_code'] ?? '' ) ) );
						$shown['__sign_in'] = (string) ( $sign_in['user_code'] ?? '' );
					}
					( $this->sleep )( 2 );
					break;
				case 'in_progress':
					( $this->sleep )( 1 );
					break;
				case 'done':
					\WP_CLI::success( sprintf( 'The client secret was renewed and saved (%s); it expires %s.', implode( ', ', (array) ( $result['saved_to'] ?? array() ) ), (string) ( $result['secret_expires_at'] ?? '' ) ) );
					return;
				default:
					\WP_CLI::error( Output::failure( 'Renewing the secret', $result ) . ' The site still uses its current secret.' );
					return;
			}
		} while ( time() < $deadline );
		\WP_CLI::error( 'Gave up waiting for the sign-in; run the command again to resume.' );
	}
}
