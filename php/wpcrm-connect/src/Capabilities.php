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
	/** Change the connection settings, run provisioning and rollback (a network capability when network-activated). */
	public const SETUP = 'wpcrm_setup_connection';
	/** Run a verification. */
	public const VERIFY = 'wpcrm_verify_connection';

	/**
	 * Plugin capability => core capability. When the plugin is network-activated on a multisite, the
	 * credential is the whole network's (one organization): changing it, provisioning and rollback need
	 * `manage_network_options` (super admins), not a subsite's `manage_options`.
	 *
	 * @return array<string,string>
	 */
	public static function map(): array {
		return array(
			self::VIEW   => 'manage_options',
			self::SETUP  => self::network_mode() ? 'manage_network_options' : 'manage_options',
			self::VERIFY => 'manage_options',
		);
	}

	/**
	 * True when the plugin is network-activated on a multisite network.
	 */
	public static function network_mode(): bool {
		$active = false;
		if ( is_multisite() ) {
			$plugins = get_site_option( 'active_sitewide_plugins', array() );
			$active  = is_array( $plugins ) && isset( $plugins[ plugin_basename( WPCRM_CONNECT_FILE ) ] );
		}
		/**
		 * Filters whether the plugin runs network-wide (network-activated on a multisite).
		 *
		 * @param bool $active Whether it is network-activated.
		 */
		return (bool) apply_filters( 'wpcrm_connect_network_mode', $active );
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
