<?php
/**
 * Where a `wp wpcrm` command writes: progress for people, one result a script can read.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

/**
 * With --format=table, progress and the result are human lines on STDOUT. With json or yaml, STDOUT
 * carries exactly one document (the result) and progress (the sign-in code, the steps) goes to STDERR,
 * so `wp wpcrm provision --format=json | jq .status` works while a person still sees the code to
 * enter. Kept apart from Command so that its methods do not become subcommands.
 */
final class Output {

	/** Formats that print one document. */
	public const DOCUMENT_FORMATS = array( 'json', 'yaml' );

	/**
	 * The --format value.
	 *
	 * @var string
	 */
	private $format;

	/**
	 * Constructor.
	 *
	 * @param string $format The --format value.
	 */
	public function __construct( string $format ) {
		$this->format = $format;
	}

	/**
	 * Whether STDOUT carries one document.
	 */
	public function is_document(): bool {
		return in_array( $this->format, self::DOCUMENT_FORMATS, true );
	}

	/**
	 * A progress line: STDOUT for a table, STDERR for a document.
	 *
	 * @param string $line Line.
	 */
	public function progress( string $line ): void {
		if ( $this->is_document() ) {
			fwrite( STDERR, $line . "\n" ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_fwrite
			return;
		}
		\WP_CLI::log( $line );
	}

	/**
	 * Prints one value as the document (json pretty-printed, yaml through WP-CLI).
	 *
	 * @param array $value Value.
	 */
	public function document( array $value ): void {
		if ( 'json' === $this->format ) {
			\WP_CLI::line( (string) wp_json_encode( $value, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) );
			return;
		}
		\WP_CLI::print_value( $value, array( 'format' => $this->format ) );
	}

	/**
	 * Prints steps whose status changed since last drawn.
	 *
	 * @param array    $steps Steps.
	 * @param string[] $shown Status already printed per step.
	 */
	public function steps( array $steps, array &$shown ): void {
		foreach ( $steps as $index => $step ) {
			if ( ! is_array( $step ) ) {
				continue;
			}
			$id     = (string) ( $step['id'] ?? $step['name'] ?? $index );
			$status = (string) ( $step['status'] ?? '' );
			if ( in_array( $status, array( '', 'pending' ), true ) || ( $shown[ $id ] ?? null ) === $status ) {
				continue;
			}
			$shown[ $id ] = $status;
			$this->progress( sprintf( '[%s] %s', $status, (string) ( $step['title'] ?? $step['label'] ?? $id ) ) );
		}
	}

	/**
	 * Steps as a script reads them: id, title, status.
	 *
	 * @param array $steps Steps of a result.
	 * @return array[]
	 */
	public static function step_list( array $steps ): array {
		$list = array();
		foreach ( $steps as $step ) {
			if ( is_array( $step ) ) {
				$list[] = array(
					'id'     => (string) ( $step['id'] ?? '' ),
					'title'  => (string) ( $step['title'] ?? '' ),
					'status' => (string) ( $step['status'] ?? '' ),
				);
			}
		}
		return $list;
	}

	/**
	 * Prints the engine's notices (e.g. an app that looked like ours was left alone) as warnings, which
	 * WP-CLI writes to STDERR.
	 *
	 * @param array $result Step result.
	 */
	public static function notices( array $result ): void {
		foreach ( (array) ( $result['notices'] ?? array() ) as $notice ) {
			\WP_CLI::warning( (string) ( $notice['message'] ?? '' ) . ( empty( $notice['code'] ) ? '' : ' (' . $notice['code'] . ')' ) );
		}
	}

	/**
	 * "<What> failed at <step>: <message> Fix: <fix>" for a failed step result, the line every
	 * command stops with.
	 *
	 * @param string $what   What failed ("Setup").
	 * @param array  $result Step result.
	 */
	public static function failure( string $what, array $result ): string {
		$error = (array) ( $result['error'] ?? array() );
		return trim(
			sprintf(
				'%s failed%s: %s %s',
				$what,
				empty( $error['step'] ) ? '' : ' at ' . $error['step'],
				(string) ( $error['message'] ?? 'unknown error' ),
				empty( $error['fix'] ) ? '' : 'Fix: ' . $error['fix']
			)
		);
	}
}
