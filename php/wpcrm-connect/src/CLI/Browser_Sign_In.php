<?php
/**
 * The browser sign-in in WP-CLI: shows the sign-in link and reads the address the browser ended on.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

/**
 * `wp wpcrm provision --sign-in=browser`: where Conditional Access blocks the device code, the
 * administrator opens the link, signs in, and pastes back the http://localhost address the browser
 * was sent to (docs/provision.md, "Sign-in"). The address carries a one-time code: it is passed to
 * the engine once and never printed or stored.
 */
final class Browser_Sign_In {

	/**
	 * Prints the link and asks for the pasted address.
	 *
	 * @param array         $sign_in The engine's sign_in (method browser).
	 * @param callable|null $read    Reads one line, given the sign_in (tests sign in with it); defaults
	 *                               to STDIN.
	 * @param Output|null   $out     Where the instructions go (STDERR when a document is printed).
	 * @return string The pasted address.
	 */
	public static function ask( array $sign_in, ?callable $read = null, ?Output $out = null ): string {
		$out      = $out ?? new Output( 'table' );
		$link     = (string) ( $sign_in['authorize_url'] ?? $sign_in['verification_uri'] ?? '' );
		$redirect = (string) ( $sign_in['redirect_uri'] ?? 'http://localhost' );
		$out->progress( 'To sign in, open this link in a browser and sign in as a Microsoft administrator:' );
		$out->progress( $link );
		$out->progress( sprintf( 'The browser then shows an error page for %s (nothing runs there, that is expected).', $redirect ) );
		$out->progress( 'Copy the whole address from the address bar, paste it here and press Enter:' );
		$line = null === $read ? fgets( STDIN ) : $read( $sign_in );
		$line = trim( (string) $line );
		if ( '' === $line ) {
			\WP_CLI::error( 'No address was pasted. Run the command again to get a new sign-in link.' );
		}
		return $line;
	}
}
