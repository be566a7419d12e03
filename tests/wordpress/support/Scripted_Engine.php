<?php
/**
 * A scripted stand-in of the extension for testing the plugin's own handling of provisioning responses
 * (saving, redirect, rollback) independently of the sandbox. It returns queued responses and records the
 * requests; tests against the real extension are in ProvisioningFlowTest.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Engine;

final class Scripted_Engine implements Engine {

	/** @var array[] */
	public $responses = array();
	/** @var array[] */
	public $requests = array();
	/** @var callable|null Called with each request before its response is returned (e.g. a second writer racing). */
	public $during;
	/** @var bool Answer `forget_secret` as today's engine does (failed / invalid_action) instead of from the queue. */
	public $no_forget_secret = false;

	public function available(): bool {
		return true;
	}

	public function verify( array $connection, array $options = array() ): array {
		throw new \LogicException( 'not scripted' );
	}

	public function provision( array $request ): array {
		$this->requests[] = $request;
		if ( null !== $this->during ) {
			( $this->during )( $request );
		}
		if ( $this->no_forget_secret && 'forget_secret' === ( $request['action'] ?? '' ) ) {
			return array( 'status' => 'failed', 'state' => 'sealed-fresh', 'steps' => array(), 'error' => array( 'code' => 'invalid_action', 'message' => 'unknown action' ) );
		}
		if ( ! $this->responses ) {
			throw new \LogicException( 'no scripted response left' );
		}
		return array_shift( $this->responses );
	}
}
