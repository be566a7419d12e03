<?php
/**
 * Runs the real WP-CLI (2.12.0 from source, ../shared/tools/wp-cli/wp; WPT_WP_CLI overrides it) against
 * the test WordPress as a separate process: --path to the test site, the test wp-config, the extension
 * and the sandbox passed through WP_CLI_PHP_ARGS, the same ini scan dir as the tests' own PHP.
 * run.sh refuses to start when that WP-CLI is missing or cannot run, so these tests never skip for it.
 */

namespace Wpcrm\Connect\Tests;

final class Wp_Cli {

	/** Path of the `wp` launcher. */
	public static function path(): string {
		return (string) getenv( 'WPT_WP_CLI' );
	}

	/**
	 * The environment of a WP-CLI process.
	 *
	 * @param bool $extension Whether PHP loads the wpcrm extension.
	 */
	public static function env( bool $extension = true ): array {
		$php_args = array( '-d', 'display_errors=stderr' );
		if ( $extension && getenv( 'WPCRM_SO' ) ) {
			$php_args[] = '-d extension=' . getenv( 'WPCRM_SO' );
			foreach ( array( 'wpcrm.sandbox_url' => 'WPCRM_SANDBOX_URL', 'wpcrm.ca_file' => 'WPCRM_CA_FILE' ) as $ini => $var ) {
				if ( getenv( $var ) ) {
					$php_args[] = '-d ' . $ini . '=' . getenv( $var );
				}
			}
		}
		$env = array();
		foreach ( array( 'PATH', 'WPT_URL', 'WPT_WP_DIR', 'PHP_INI_SCAN_DIR', 'TMPDIR' ) as $var ) {
			if ( false !== getenv( $var ) ) {
				$env[ $var ] = getenv( $var );
			}
		}
		// The test wp-config shows PHP notices unless WPT_DEBUG_DISPLAY=0; they still reach debug.log, which
		// run.sh checks for the plugin's own.
		$env['WPT_DEBUG_DISPLAY'] = '0';
		$env['WP_CLI_PHP_ARGS']   = implode( ' ', $php_args );
		// A home of its own: no operator's ~/.wp-cli/config.yml changes what the tests see.
		$env['HOME'] = sys_get_temp_dir() . '/wpcrm-wp-cli-home';
		if ( ! is_dir( $env['HOME'] ) ) {
			mkdir( $env['HOME'], 0700, true );
		}
		return $env;
	}

	/** The command line: wp --path=<test site> [--allow-root] ARGS..., stopped after 5 minutes. */
	public static function command( array $args ): array {
		$cmd = array( 'timeout', '300', self::path(), '--path=' . getenv( 'WPT_WP_DIR' ) );
		if ( function_exists( 'posix_geteuid' ) && 0 === posix_geteuid() ) {
			$cmd[] = '--allow-root';
		}
		return array_merge( $cmd, $args );
	}

	/**
	 * Runs WP-CLI to its end.
	 *
	 * @param string[] $args      Arguments after `wp`, e.g. ['wpcrm', 'verify', '--format=json'].
	 * @param string   $stdin     What to type (answers to prompts).
	 * @param bool     $extension Whether PHP loads the wpcrm extension.
	 * @return array{code:int,stdout:string,stderr:string}
	 */
	public static function run( array $args, string $stdin = '', bool $extension = true ): array {
		$proc = self::start( $args, $extension, $pipes );
		fwrite( $pipes[0], $stdin );
		fclose( $pipes[0] );
		$stdout = stream_get_contents( $pipes[1] );
		$stderr = stream_get_contents( $pipes[2] );
		fclose( $pipes[1] );
		fclose( $pipes[2] );
		$code = proc_close( $proc );
		wp_cache_flush(); // The process changed options behind this one's cache.
		return array(
			'code'   => $code,
			'stdout' => (string) $stdout,
			'stderr' => (string) $stderr,
		);
	}

	/**
	 * Starts WP-CLI; the caller reads $pipes[1] and $pipes[2] and closes the process.
	 *
	 * @param string[] $args      Arguments.
	 * @param bool     $extension Whether PHP loads the wpcrm extension.
	 * @param array    $pipes     Set to stdin, stdout, stderr.
	 * @return resource
	 */
	public static function start( array $args, bool $extension, &$pipes ) {
		$proc = proc_open(
			self::command( $args ),
			array(
				0 => array( 'pipe', 'r' ),
				1 => array( 'pipe', 'w' ),
				2 => array( 'pipe', 'w' ),
			),
			$pipes,
			(string) getenv( 'WPT_WP_DIR' ), // No wp-cli.yml between there and / applies.
			self::env( $extension )
		);
		if ( ! is_resource( $proc ) ) {
			throw new \RuntimeException( 'could not start ' . self::path() );
		}
		return $proc;
	}

	/** A transcript for assertion messages. */
	public static function describe( array $result ): string {
		return sprintf( "exit %d\n--- stdout\n%s\n--- stderr\n%s", $result['code'], $result['stdout'], $result['stderr'] );
	}
}
