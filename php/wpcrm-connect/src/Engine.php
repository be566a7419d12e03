<?php
/**
 * What the plugin needs from the wpcrm extension.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Implemented by Extension (the real one); tests may pass a scripted engine to Provisioning and Verifier.
 */
interface Engine {

	/**
	 * True when the engine can be called.
	 */
	public function available(): bool;

	/**
	 * `wpcrm_verify_connection()`.
	 *
	 * @param array $connection Connection values.
	 * @param array $options    Options.
	 * @return array Report.
	 */
	public function verify( array $connection, array $options = array() ): array;

	/**
	 * `wpcrm_provision()`.
	 *
	 * @param array $request Request.
	 * @return array Response.
	 */
	public function provision( array $request ): array;
}
