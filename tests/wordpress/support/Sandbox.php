<?php
/**
 * Talks to the sandbox's control API (/_sandbox/...) from the tests, and names the seeded values the
 * tests use. Those come from seed/default.json through \Fixtures (tests/phpt/fixtures.inc), the one
 * PHP reader of the seed; none is written here.
 */

namespace Wpcrm\Connect\Tests;

final class Sandbox {

	/** The UPN of the seeded admin (may provision). */
	public static function admin(): string {
		return \Fixtures::admin()['upn'];
	}

	/** The application id of the seeded working app registration, wp-ok. */
	public static function app_ok(): string {
		return \Fixtures::app( 'wp-ok' )['app_id'];
	}

	/** The seeded client secret Value of wp-ok. */
	public static function secret_ok(): string {
		return \Fixtures::secret( 'wp-ok' )['value'];
	}

	/** The name of the seeded Dataverse environment. */
	public static function environment(): string {
		return \Fixtures::environment()['name'];
	}

	public static function url(): string {
		return rtrim( (string) ( getenv( 'WPCRM_SANDBOX_URL' ) ?: ini_get( 'wpcrm.sandbox_url' ) ), '/' );
	}

	public static function available(): bool {
		return '' !== self::url() && extension_loaded( 'wpcrm' );
	}

	public static function instance_url( ?string $env = null ): string {
		return self::url() . '/' . ( $env ?? self::environment() );
	}

	/**
	 * Calls the control API.
	 *
	 * @return array{status:int,body:mixed}
	 */
	public static function call( string $method, string $path, ?array $body = null ): array {
		$ch = curl_init( self::url() . $path );
		$ca = getenv( 'WPCRM_CA_FILE' ) ?: ini_get( 'wpcrm.ca_file' );
		curl_setopt_array(
			$ch,
			array(
				CURLOPT_CUSTOMREQUEST  => $method,
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_HTTPHEADER     => array( 'Content-Type: application/json' ),
				CURLOPT_POSTFIELDS     => null === $body ? null : json_encode( $body ),
				CURLOPT_CAINFO         => $ca ?: null,
				CURLOPT_TIMEOUT        => 20,
			)
		);
		$raw    = curl_exec( $ch );
		$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
		curl_close( $ch );
		if ( false === $raw ) {
			throw new \RuntimeException( 'sandbox unreachable at ' . self::url() );
		}
		return array(
			'status' => $status,
			'body'   => json_decode( (string) $raw, true ),
		);
	}

	public static function reset(): void {
		self::call( 'POST', '/_sandbox/reset', array() );
	}

	public static function approve( string $user_code, ?string $user = null ): int {
		return self::call( 'POST', '/_sandbox/device/approve', array( 'user_code' => $user_code, 'user' => $user ?? self::admin() ) )['status'];
	}

	public static function remove_role( string $app_id, string $role, ?string $env = null ): int {
		return self::call( 'POST', '/_sandbox/roles/remove', array( 'environment' => $env ?? self::environment(), 'application_id' => $app_id, 'role' => $role ) )['status'];
	}

	public static function state(): array {
		return (array) self::call( 'GET', '/_sandbox/state' )['body'];
	}
}
