<?php
/**
 * A minimal PSR-4 autoloader, so the plugin needs no Composer.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Maps `Wpcrm\Connect\Foo\Bar_Baz` to `src/Foo/Bar_Baz.php`.
 */
final class Autoloader {

	/**
	 * Registers the loader for one namespace prefix.
	 *
	 * @param string $prefix Namespace prefix with trailing backslash.
	 * @param string $dir    Base directory with trailing slash.
	 */
	public static function register( string $prefix, string $dir ): void {
		spl_autoload_register(
			static function ( string $class ) use ( $prefix, $dir ): void {
				if ( 0 !== strncmp( $class, $prefix, strlen( $prefix ) ) ) {
					return;
				}
				$relative = substr( $class, strlen( $prefix ) );
				$file     = $dir . str_replace( '\\', '/', $relative ) . '.php';
				if ( is_readable( $file ) ) {
					require_once $file;
				}
			}
		);
	}
}
