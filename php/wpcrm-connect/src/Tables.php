<?php
/**
 * Parsing and formatting of "tables the site needs, with access kinds".
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Converts between the admin's text ("lead: read, create") and the contract's map
 * (logical name => list of access kinds).
 */
final class Tables {

	/** Access kinds the extension understands. */
	public const KINDS = array( 'read', 'create', 'write', 'delete', 'append', 'appendto' );

	/** Tables used when none are configured. */
	public const DEFAULT = array( 'contact' => array( 'read' ) );

	/**
	 * Parses text, a list of names, or a map into a normalized map. Invalid entries are dropped
	 * and reported in `$errors`.
	 *
	 * @param mixed    $value  Text (one table per line or comma separated "name: kinds"), list or map.
	 * @param string[] $errors Receives the entries that were rejected.
	 * @return array<string,string[]>
	 */
	public static function parse( $value, array &$errors = array() ): array {
		$entries = array();
		if ( is_string( $value ) ) {
			foreach ( preg_split( '/[\r\n;]+/', $value ) as $line ) {
				$line = trim( $line );
				if ( '' === $line ) {
					continue;
				}
				$parts     = explode( ':', $line, 2 );
				$entries[] = array( trim( $parts[0] ), isset( $parts[1] ) ? preg_split( '/[\s,]+/', trim( $parts[1] ), -1, PREG_SPLIT_NO_EMPTY ) : array() );
			}
		} elseif ( is_array( $value ) ) {
			foreach ( $value as $key => $item ) {
				if ( is_int( $key ) ) {
					$entries[] = array( is_string( $item ) ? trim( $item ) : '', array() );
				} else {
					$entries[] = array( trim( (string) $key ), is_array( $item ) ? $item : preg_split( '/[\s,]+/', (string) $item, -1, PREG_SPLIT_NO_EMPTY ) );
				}
			}
		}

		$tables = array();
		foreach ( $entries as list( $name, $kinds ) ) {
			$name = strtolower( $name );
			if ( ! preg_match( '/^[a-z][a-z0-9_]{0,63}$/', $name ) ) {
				$errors[] = $name;
				continue;
			}
			$clean = array();
			foreach ( $kinds as $kind ) {
				$kind = strtolower( trim( (string) $kind ) );
				if ( in_array( $kind, self::KINDS, true ) ) {
					$clean[] = $kind;
				} elseif ( '' !== $kind ) {
					$errors[] = $name . ':' . $kind;
				}
			}
			if ( ! $clean ) {
				$clean = array( 'read' );
			}
			$tables[ $name ] = array_values( array_unique( array_merge( $tables[ $name ] ?? array(), $clean ) ) );
		}
		return $tables;
	}

	/**
	 * Formats a map as text for the settings field, one table per line.
	 *
	 * @param array<string,string[]> $tables Map.
	 */
	public static function format( array $tables ): string {
		$lines = array();
		foreach ( $tables as $name => $kinds ) {
			$lines[] = $name . ': ' . implode( ', ', $kinds );
		}
		return implode( "\n", $lines );
	}
}
