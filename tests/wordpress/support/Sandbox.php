<?php
/**
 * Talks to the sandbox's control API (/_sandbox/...) from the tests.
 */

namespace Wpcrm\Connect\Tests;

final class Sandbox {

	public const ADMIN       = 'admin@contoso.onmicrosoft.com';
	public const APP_OK      = '11111111-1111-4111-8111-111111111111';
	public const SECRET_OK   = 'Sbx8Q~okSecretValue.0000000000000000000001';
	public const ENVIRONMENT = 'contoso';

	public static function url(): string {
		return rtrim( (string) ( getenv( 'WPCRM_SANDBOX_URL' ) ?: ini_get( 'wpcrm.sandbox_url' ) ), '/' );
	}

	public static function available(): bool {
		return '' !== self::url() && extension_loaded( 'wpcrm' );
	}

	public static function instance_url( string $env = self::ENVIRONMENT ): string {
		return self::url() . '/' . $env;
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

	public static function approve( string $user_code, string $user = self::ADMIN ): int {
		return self::call( 'POST', '/_sandbox/device/approve', array( 'user_code' => $user_code, 'user' => $user ) )['status'];
	}

	public static function remove_role( string $app_id, string $role, string $env = self::ENVIRONMENT ): int {
		return self::call( 'POST', '/_sandbox/roles/remove', array( 'environment' => $env, 'application_id' => $app_id, 'role' => $role ) )['status'];
	}

	public static function state(): array {
		return (array) self::call( 'GET', '/_sandbox/state' )['body'];
	}
}
