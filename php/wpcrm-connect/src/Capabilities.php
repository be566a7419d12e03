<?php
/**
 * The plugin's capabilities, mapped to core ones in one place.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Plugin capabilities (what a user may do with the connection) and the core capability each maps to.
 */
final class Capabilities {

	/** View the connection status and last report. */
	public const VIEW = 'wpcrm_view_connection';
	/** Change the connection settings, run provisioning and rollback. */
	public const SETUP = 'wpcrm_setup_connection';
	/** Run a verification. */
	public const VERIFY = 'wpcrm_verify_connection';

	/**
	 * Plugin capability => core capability.
	 *
	 * @return array<string,string>
	 */
	public static function map(): array {
		return array(
			self::VIEW   => 'manage_options',
			self::SETUP  => 'manage_options',
			self::VERIFY => 'manage_options',
		);
	}

	/**
	 * Hooks the map into `map_meta_cap`.
	 */
	public function register(): void {
		add_filter( 'map_meta_cap', array( $this, 'map_meta_cap' ), 10, 2 );
	}

	/**
	 * Maps a plugin capability to its core capability.
	 *
	 * @param string[] $caps Primitive capabilities.
	 * @param string   $cap  Requested capability.
	 * @return string[]
	 */
	public function map_meta_cap( $caps, $cap ) {
		$map = self::map();
		if ( isset( $map[ $cap ] ) ) {
			return array( $map[ $cap ] );
		}
		return $caps;
	}
}
