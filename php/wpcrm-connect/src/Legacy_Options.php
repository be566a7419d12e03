<?php
/**
 * Writes the Connection tab of the "Dynamics 365 Integration" plugin (option `msdyncrm_options`).
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Knows whether that plugin is active and fills its S2S settings through update_option(), so that
 * plugin's own `pre_update_option_msdyncrm_options` filter encrypts the secret the way it expects.
 */
final class Legacy_Options {

	public const OPTION      = 'msdyncrm_options';
	public const PAGE_SLUG   = 'wordpresscrm';
	public const PLUGIN_SLUG = 'integration-dynamics';

	/**
	 * True when the Dynamics 365 Integration plugin is active. Filterable through
	 * `wpcrm_connect_legacy_plugin_active`.
	 */
	public function plugin_active(): bool {
		$active = false;
		foreach ( (array) get_option( 'active_plugins', array() ) as $plugin ) {
			if ( is_string( $plugin ) && 0 === strpos( $plugin, self::PLUGIN_SLUG . '/' ) ) {
				$active = true;
				break;
			}
		}
		/**
		 * Filters whether the Dynamics 365 Integration plugin counts as active.
		 *
		 * @param bool $active Detected from the active plugins.
		 */
		return (bool) apply_filters( 'wpcrm_connect_legacy_plugin_active', $active );
	}

	/**
	 * Writes the S2S connection values, keeping every other key of the option.
	 *
	 * @param string $instance_url   Dataverse URL.
	 * @param string $application_id Application (client) id.
	 * @param string $client_secret  Secret value.
	 * @return bool Whether the option changed.
	 */
	public function write( string $instance_url, string $application_id, string $client_secret ): bool {
		$options = get_option( self::OPTION, array() );
		$options = is_array( $options ) ? $options : array();

		$options['authMode']      = 'OnlineFederation';
		$options['authMethod']    = 'sharedSecretAuth';
		$options['serverUrlSsa']  = $instance_url;
		$options['applicationId'] = $application_id;
		$options['clientSecret']  = $client_secret;
		// That plugin re-checks and sets `connected` itself when its tab loads with settings-updated=true.
		$options['connected'] = false;

		return update_option( self::OPTION, $options );
	}

	/**
	 * Removes the application id and secret if they are the ones provisioning wrote (after a rollback).
	 *
	 * @param string $application_id The rolled back application id.
	 */
	public function forget( string $application_id ): void {
		$options = get_option( self::OPTION, array() );
		if ( ! is_array( $options ) || ( $options['applicationId'] ?? '' ) !== $application_id ) {
			return;
		}
		$options['applicationId'] = '';
		$options['clientSecret']  = '';
		$options['connected']     = false;
		update_option( self::OPTION, $options );
	}

	/**
	 * URL of that plugin's Connection tab that makes it reconnect.
	 */
	public function reconnect_url(): string {
		return add_query_arg(
			array(
				'page'             => self::PAGE_SLUG,
				'settings-updated' => 'true',
			),
			admin_url( 'admin.php' )
		);
	}
}
