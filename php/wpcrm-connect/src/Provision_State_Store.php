<?php
/**
 * Server-side storage of a provisioning run, one per user.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Keeps the extension's opaque (encrypted, authenticated) `state` and the run's request parameters in
 * user meta; the browser never receives them. User 0 (WP-CLI without --user) uses an option.
 */
final class Provision_State_Store {

	public const META_KEY = 'wpcrm_connect_provision';

	/** Seconds an unfinished run is kept after its last step. */
	public const UNFINISHED_TTL = DAY_IN_SECONDS;

	/**
	 * The record of a user's run, or null.
	 *
	 * @param int $user_id User.
	 * @return array|null state (raw bytes or null), request, status, application_id, saved, updated_at.
	 */
	public function get( int $user_id ): ?array {
		$record = $user_id > 0 ? get_user_meta( $user_id, self::META_KEY, true ) : get_option( self::META_KEY . '_cli', null );
		if ( ! is_array( $record ) ) {
			return null;
		}
		if ( self::expired( $record ) ) {
			$this->delete( $user_id );
			return null;
		}
		$state           = isset( $record['state'] ) && is_string( $record['state'] ) ? base64_decode( $record['state'], true ) : false; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		$record['state'] = false === $state ? null : $state;
		return $record;
	}

	/**
	 * Saves a user's run.
	 *
	 * @param int   $user_id User.
	 * @param array $record  Record with raw `state`.
	 */
	/**
	 * An unfinished run's sealed state holds the admin's refresh token (a finished or cancelled one
	 * does not): it is dropped a day after its last step. A new run finds what the old one created.
	 *
	 * @param array $record Stored record.
	 */
	private static function expired( array $record ): bool {
		$finished = in_array( $record['status'] ?? '', array( 'done', 'cancelled' ), true );
		return ! $finished && (int) ( $record['updated_at'] ?? 0 ) < time() - self::UNFINISHED_TTL;
	}

	public function put( int $user_id, array $record ): void {
		// The state may hold arbitrary bytes; base64 keeps it intact through the database.
		$record['state']      = isset( $record['state'] ) && is_string( $record['state'] ) ? base64_encode( $record['state'] ) : null; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
		$record['updated_at'] = time();
		if ( $user_id > 0 ) {
			update_user_meta( $user_id, self::META_KEY, $record );
		} else {
			update_option( self::META_KEY . '_cli', $record, false );
		}
	}

	/**
	 * Forgets a user's run.
	 *
	 * @param int $user_id User.
	 */
	public function delete( int $user_id ): void {
		if ( $user_id > 0 ) {
			delete_user_meta( $user_id, self::META_KEY );
		} else {
			delete_option( self::META_KEY . '_cli' );
		}
	}

	/**
	 * Deletes every stored run (uninstall).
	 */
	public static function delete_all(): void {
		delete_metadata( 'user', 0, self::META_KEY, '', true );
		delete_option( self::META_KEY . '_cli' );
	}
}
