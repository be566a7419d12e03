<?php
/**
 * `wp wpcrm verify-many <file>` and `wp wpcrm verify --network`: many connections verified in one
 * engine call (wpcrm_verify_connections(), docs/verify.md "Fleets").
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

use Wpcrm\Connect\Messages;
use Wpcrm\Connect\Settings;

/**
 * Verifies many Dataverse connections concurrently, with a progress bar and a summary table.
 *
 * ## EXAMPLES
 *
 *     # Every connection listed in a file (JSON or CSV); exit status 1 when one fails.
 *     $ wp wpcrm verify-many sites.json --concurrency=32
 *     Verifying 100 connections  100% [================================] 0:01 / 0:01
 *     +---------+---------------------------------+--------+--------------------------+
 *     | key     | instance_url                    | status | failed                   |
 *     ...
 *     Warning: 3 of 100 connections failed.
 */
final class Fleet_Command {

	/** Columns of the summary table. */
	private const FIELDS = array( 'key', 'instance_url', 'status', 'failed', 'ms' );

	/**
	 * Verifies every connection listed in a file, concurrently, in one call.
	 *
	 * The file is JSON (an object keyed by a name of your choice, or a list, of objects with
	 * instance_url, application_id, client_secret, optional tenant_id, tables, secret_expires_at) or
	 * CSV with a header row naming those columns (tables: logical names separated by spaces). The
	 * secrets are read, sent to Entra ID only, and never printed.
	 *
	 * ## OPTIONS
	 *
	 * <file>
	 * : JSON or CSV file of connections ("-" reads JSON from standard input).
	 *
	 * [--concurrency=<n>]
	 * : Connections verified at once.
	 * ---
	 * default: 16
	 * ---
	 *
	 * [--timeout=<seconds>]
	 * : Deadline of the whole run.
	 *
	 * [--format=<format>]
	 * : Output of the summary.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 * ---
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Flags.
	 */
	public function __invoke( $args, $assoc_args ) {
		$connections = self::read_file( (string) $args[0] );
		self::run( $connections, $assoc_args );
	}

	/**
	 * `wp wpcrm verify --network`: every site's saved connection on a multisite network.
	 *
	 * @param Settings $settings   The plugin's settings (read per site).
	 * @param array    $assoc_args Flags of `verify`.
	 */
	public static function network( Settings $settings, array $assoc_args ): void {
		if ( ! is_multisite() ) {
			\WP_CLI::error( __( '--network needs a multisite network.', 'wpcrm-connect' ) );
		}
		$connections = array();
		foreach ( get_sites( array( 'number' => 0, 'fields' => 'ids' ) ) as $site_id ) {
			switch_to_blog( (int) $site_id );
			if ( $settings->is_complete() ) {
				$connections[ 'site-' . (int) $site_id ] = $settings->connection() + array(
					'tables'            => $settings->tables(),
					'secret_expires_at' => $settings->secret_expires_at(),
				);
			}
			restore_current_blog();
		}
		if ( ! $connections ) {
			\WP_CLI::warning( __( 'No site of the network has a saved connection.', 'wpcrm-connect' ) );
			return;
		}
		self::run( $connections, $assoc_args );
	}

	/**
	 * Verifies `$connections`, draws a progress bar, prints the summary and halts 1 on a failure.
	 *
	 * @param array $connections Key => connection.
	 * @param array $assoc_args  Flags.
	 */
	private static function run( array $connections, array $assoc_args ): void {
		$format  = (string) ( $assoc_args['format'] ?? 'table' );
		$options = array( 'concurrency' => max( 1, min( 128, (int) ( $assoc_args['concurrency'] ?? 16 ) ) ) );
		if ( isset( $assoc_args['timeout'] ) ) {
			$options['timeout'] = (float) $assoc_args['timeout'];
		}
		$bar = 'table' === $format ? \WP_CLI\Utils\make_progress_bar( /* translators: %d: number of connections. */
			sprintf( __( 'Verifying %d connections', 'wpcrm-connect' ), count( $connections ) ), count( $connections ) ) : null;
		if ( $bar ) {
			$options['progress'] = static function () use ( $bar ) {
				$bar->tick();
			};
		}
		$result = wpcrm_verify_connections( $connections, $options );
		if ( $bar ) {
			$bar->finish();
		}
		$rows = array();
		foreach ( $result['results'] as $key => $report ) {
			$report = Messages::localize_report( $report );
			$failed = array();
			foreach ( $report['checks'] as $check ) {
				if ( 'fail' === $check['status'] ) {
					$failed[] = $check['id'] . ( $check['code'] ? ' (' . $check['code'] . ')' : '' );
				}
			}
			$rows[] = array(
				'key'          => (string) $key,
				'instance_url' => (string) ( $report['instance_url'] ?? $connections[ $key ]['instance_url'] ?? '' ),
				'status'       => (string) $report['status'],
				'failed'       => implode( ', ', $failed ),
				'ms'           => (int) $report['elapsed_ms'],
			);
		}
		\WP_CLI\Utils\format_items( $format, $rows, self::FIELDS );
		$summary = $result['summary'];
		if ( $summary['fail'] > 0 ) {
			/* translators: 1: failed connections, 2: all connections. */
			\WP_CLI::warning( sprintf( __( '%1$d of %2$d connections failed.', 'wpcrm-connect' ), $summary['fail'], $summary['total'] ) );
			\WP_CLI::halt( 1 );
			return;
		}
		if ( 'table' === $format ) {
			/* translators: 1: connections, 2: milliseconds, 3: passed, 4: with warnings. */
			\WP_CLI::success( sprintf( __( '%1$d connections verified in %2$d ms: %3$d passed, %4$d with warnings.', 'wpcrm-connect' ), $summary['total'], $result['elapsed_ms'], $summary['pass'], $summary['warn'] ) );
		}
	}

	/**
	 * Connections from a JSON or CSV file.
	 *
	 * @param string $file Path, or "-" for standard input (JSON).
	 * @return array Key => connection.
	 */
	private static function read_file( string $file ): array {
		$raw = '-' === $file ? stream_get_contents( STDIN ) : ( is_readable( $file ) ? file_get_contents( $file ) : false ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		if ( false === $raw ) {
			/* translators: %s: a file name. */
			\WP_CLI::error( sprintf( __( 'Cannot read %s.', 'wpcrm-connect' ), $file ) );
		}
		$trimmed = ltrim( (string) $raw );
		if ( '' !== $trimmed && ( '[' === $trimmed[0] || '{' === $trimmed[0] ) ) {
			$data = json_decode( $trimmed, true );
			if ( ! is_array( $data ) ) {
				/* translators: %s: a file name. */
				\WP_CLI::error( sprintf( __( '%s is not valid JSON.', 'wpcrm-connect' ), $file ) );
			}
			return array_filter( $data, 'is_array' );
		}
		$lines  = array_values( array_filter( preg_split( '/\r\n|\n|\r/', (string) $raw ), 'strlen' ) );
		$header = $lines ? str_getcsv( array_shift( $lines ) ) : array();
		if ( ! in_array( 'instance_url', $header, true ) ) {
			/* translators: %s: a file name. */
			\WP_CLI::error( sprintf( __( '%s is neither JSON nor CSV with a header row naming instance_url, application_id, client_secret.', 'wpcrm-connect' ), $file ) );
		}
		$connections = array();
		foreach ( $lines as $i => $line ) {
			$row = array_combine( $header, array_pad( str_getcsv( $line ), count( $header ), '' ) );
			if ( isset( $row['tables'] ) ) {
				$row['tables'] = array_values( array_filter( preg_split( '/[\s;]+/', $row['tables'] ) ) );
			}
			$row = array_filter( $row, static fn ( $v ) => '' !== $v && array() !== $v );
			$key = isset( $row['key'] ) ? (string) $row['key'] : 'line-' . ( $i + 2 );
			unset( $row['key'] );
			$connections[ $key ] = $row;
		}
		return $connections;
	}
}
