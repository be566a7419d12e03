<?php
/**
 * A small stand-in of the WP-CLI API for testing the command classes without WP-CLI: it records calls,
 * turns error()/halt() into exceptions, and answers confirm() from --yes. Tests say "tested with a
 * WP_CLI stand-in", not "tested with WP-CLI".
 */

namespace {

	/** Thrown by the stand-in where WP-CLI would stop the process. */
	final class WP_CLI_Halt extends \Exception {
		/** @var int */
		public $status;

		public function __construct( int $status, string $message = '' ) {
			parent::__construct( $message );
			$this->status = $status;
		}
	}

	final class WP_CLI {
		/** @var array[] Every call: [method, args...]. */
		public static $calls = array();
		/** @var array[] Registered commands: name => [callable, args]. */
		public static $commands = array();
		/** @var bool Answer of confirm() when --yes is not given. */
		public static $confirm = false;

		public static function reset(): void {
			self::$calls    = array();
			self::$commands = array();
			self::$confirm  = false;
		}

		public static function add_command( $name, $callable, $args = array() ) {
			self::$commands[ $name ] = array( $callable, $args );
			return true;
		}

		public static function log( $message ) {
			self::$calls[] = array( 'log', (string) $message );
		}

		public static function line( $message = '' ) {
			self::$calls[] = array( 'line', (string) $message );
		}

		public static function success( $message ) {
			self::$calls[] = array( 'success', (string) $message );
		}

		public static function warning( $message ) {
			self::$calls[] = array( 'warning', (string) $message );
		}

		public static function error( $message, $exit = true ) {
			self::$calls[] = array( 'error', (string) $message );
			if ( $exit ) {
				throw new WP_CLI_Halt( 1, (string) $message );
			}
		}

		public static function halt( $status ) {
			self::$calls[] = array( 'halt', (int) $status );
			throw new WP_CLI_Halt( (int) $status );
		}

		public static function confirm( $question, $assoc_args = array() ) {
			self::$calls[] = array( 'confirm', (string) $question );
			if ( empty( $assoc_args['yes'] ) && ! self::$confirm ) {
				throw new WP_CLI_Halt( 0, 'not confirmed' );
			}
		}

		/** Calls of one method. */
		public static function of( string $method ): array {
			return array_values( array_filter( self::$calls, static function ( $c ) use ( $method ) {
				return $c[0] === $method;
			} ) );
		}

		/** All text output, one line per call. */
		public static function transcript(): string {
			return implode( "\n", array_map( static function ( $c ) {
				return $c[0] . ': ' . ( is_array( $c[1] ) ? json_encode( $c[1] ) : $c[1] );
			}, self::$calls ) );
		}
	}
}

namespace WP_CLI\Utils {

	function format_items( $format, $items, $fields ) {
		if ( is_string( $fields ) ) {
			$fields = explode( ',', $fields );
		}
		\WP_CLI::$calls[] = array( 'format_items', array( 'format' => $format, 'items' => $items, 'fields' => $fields ) );
	}

	function get_flag_value( $assoc_args, $flag, $default = null ) {
		return $assoc_args[ $flag ] ?? $default;
	}
}
