<?php
/**
 * The one seam between the plugin and the wpcrm PHP extension.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Knows whether the extension is usable and calls its two functions.
 * Nothing else in the plugin calls `wpcrm_*()` directly.
 */
final class Extension implements Engine {

	/** Oldest extension version whose API this plugin was written against. */
	public const MIN_VERSION = '0.1.0';

	/** Functions of the extension's PHP API contract (shared/DESIGN.md). */
	private const FUNCTIONS = array( 'wpcrm_verify_connection', 'wpcrm_provision' );

	/**
	 * True when the extension is loaded and exposes the contract's functions.
	 */
	public function available(): bool {
		if ( ! extension_loaded( 'wpcrm' ) ) {
			return false;
		}
		foreach ( self::FUNCTIONS as $function ) {
			if ( ! function_exists( $function ) ) {
				return false;
			}
		}
		$version = $this->version();
		return null === $version || version_compare( $version, self::MIN_VERSION, '>=' );
	}

	/**
	 * Why the extension cannot be used, or null when it can.
	 */
	public function problem(): ?string {
		if ( ! extension_loaded( 'wpcrm' ) ) {
			return 'not_loaded';
		}
		if ( ! $this->available() ) {
			return 'incompatible';
		}
		return null;
	}

	/**
	 * The extension's version, or null.
	 */
	public function version(): ?string {
		$version = extension_loaded( 'wpcrm' ) ? phpversion( 'wpcrm' ) : false;
		return is_string( $version ) ? $version : null;
	}

	/**
	 * Runs `wpcrm_verify_connection()`.
	 *
	 * @param array $connection instance_url, application_id, client_secret, tenant_id.
	 * @param array $options    tables, timeout, secret_expires_at.
	 * @return array The verification report.
	 * @throws \RuntimeException When the extension is not available.
	 */
	public function verify( array $connection, array $options = array() ): array {
		$this->require_available();
		return \wpcrm_verify_connection( $connection, $options );
	}

	/**
	 * Runs one step of `wpcrm_provision()`.
	 *
	 * @param array $request See the contract.
	 * @return array The provisioning response.
	 * @throws \RuntimeException When the extension is not available.
	 */
	public function provision( array $request ): array {
		$this->require_available();
		return \wpcrm_provision( $request );
	}

	/**
	 * Throws when the extension cannot be called.
	 *
	 * @throws \RuntimeException When the extension is not available.
	 */
	private function require_available(): void {
		if ( ! $this->available() ) {
			throw new \RuntimeException( 'The wpcrm PHP extension is not loaded.' );
		}
	}
}
