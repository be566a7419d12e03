<?php
/**
 * Registers the `wp wpcrm` commands with a guard that refuses to run without the extension.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\CLI;

use Wpcrm\Connect\Extension;

/**
 * Kept apart from Command so that its public methods do not become subcommands.
 */
final class Guard {

	/**
	 * Registers `wp wpcrm`.
	 *
	 * @param Command   $command   The command instance.
	 * @param Extension $extension Extension.
	 */
	public static function register( Command $command, Extension $extension ): void {
		\WP_CLI::add_command(
			'wpcrm',
			$command,
			array(
				'shortdesc'     => 'Sets up, verifies and watches the Microsoft Dataverse connection.',
				'before_invoke' => static function () use ( $extension ) {
					self::require_extension( $extension );
				},
			)
		);
		\WP_CLI::add_command(
			'wpcrm verify-many',
			Fleet_Command::class,
			array(
				'shortdesc'     => 'Verifies many Dataverse connections listed in a file, concurrently.',
				'before_invoke' => static function () use ( $extension ) {
					self::require_extension( $extension );
				},
			)
		);
	}

	/**
	 * Registers one more `wp wpcrm <name>` command object (`__invoke`), behind the same guard.
	 *
	 * @param string    $name      Full command name, e.g. `wpcrm repair`.
	 * @param object    $command   The command object.
	 * @param string    $shortdesc One line of help.
	 * @param Extension $extension Extension.
	 */
	public static function add( string $name, $command, string $shortdesc, Extension $extension ): void {
		\WP_CLI::add_command(
			$name,
			$command,
			array(
				'shortdesc'     => $shortdesc,
				'before_invoke' => static function () use ( $extension ) {
					self::require_extension( $extension );
				},
			)
		);
	}

	/**
	 * Stops with a clear message when the extension is missing.
	 *
	 * @param Extension $extension Extension.
	 */
	public static function require_extension( Extension $extension ): void {
		if ( ! $extension->available() ) {
			\WP_CLI::error( 'The wpcrm PHP extension is not loaded in this PHP (php -m | grep wpcrm). Install it with "make install" in the wpcrm source folder.' );
		}
	}
}
