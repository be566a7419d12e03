<?php
/**
 * Server-side storage of the site's provisioning run.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Keeps the extension's opaque (encrypted, authenticated) `state` and the run's request parameters in
 * one per-site option (one run per site, whoever drives it: browser, REST, WP-CLI); the browser never
 * receives them. Options are per blog on a multisite network, so a run never crosses sites.
 *
 * Every write bumps `seq`. A writer passes the `seq` it started from and its write is refused when the
 * stored run moved on meanwhile (a newer record of what was created must never be overwritten).
 */
final class Provision_State_Store {

	/** Option holding the site's run (not autoloaded). */
	public const OPTION = 'wpcrm_connect_provision_run';

	/** Storage of earlier versions (per user, and for WP-CLI): purged, never read. */
	public const LEGACY_META_KEY = 'wpcrm_connect_provision';

	/** Seconds an unfinished run (its sealed state holds the admin's refresh token) is kept after its last step. */
	public const UNFINISHED_TTL = HOUR_IN_SECONDS;

	/**
	 * The site's run, or null.
	 *
	 * @return array|null state (raw bytes or null), request, status, application_id, saved, seq, started_by, moved_by, updated_at.
	 */
	public function get(): ?array {
		$record = $this->raw();
		if ( null === $record ) {
			return null;
		}
		if ( self::idle( $record, time() ) ) {
			$record = $this->expire( $record );
			if ( null === $record ) {
				return null;
			}
		}
		foreach ( array( 'state', 'finished_state' ) as $field ) {
			if ( array_key_exists( $field, $record ) ) {
				$bytes            = is_string( $record[ $field ] ) ? base64_decode( $record[ $field ], true ) : false; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
				$record[ $field ] = false === $bytes ? null : $bytes;
			}
		}
		return $record;
	}

	/**
	 * The sequence number of the stored run (0 when there is none).
	 */
	public function seq(): int {
		$record = $this->raw();
		return null === $record ? 0 : (int) ( $record['seq'] ?? 0 );
	}

	/**
	 * Saves the run unless it moved on since the writer read it.
	 *
	 * @param array    $record   Record with raw `state`.
	 * @param int|null $expected The `seq` the writer started from; null writes unconditionally.
	 * @return bool False when the write was refused (stale writer).
	 */
	public function put( array $record, ?int $expected = null ): bool {
		$current = $this->seq();
		if ( null !== $expected && $current !== $expected ) {
			return false;
		}
		// The states may hold arbitrary bytes; base64 keeps them intact through the database.
		foreach ( array( 'state', 'finished_state' ) as $field ) {
			if ( 'state' === $field || array_key_exists( $field, $record ) ) {
				$record[ $field ] = isset( $record[ $field ] ) && is_string( $record[ $field ] ) ? base64_encode( $record[ $field ] ) : null; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
			}
		}
		$record['updated_at'] = time();
		$record['seq']        = $current + 1;
		update_option( self::OPTION, $record, false );
		return true;
	}

	/**
	 * Forgets the run unless it moved on since the writer read it.
	 *
	 * @param int|null $expected The `seq` the writer started from; null deletes unconditionally.
	 * @return bool False when refused.
	 */
	public function delete( ?int $expected = null ): bool {
		if ( null !== $expected && $this->seq() !== $expected ) {
			return false;
		}
		delete_option( self::OPTION );
		return true;
	}

	/**
	 * Drops the run when it is unfinished and has not moved for UNFINISHED_TTL (the cron purge; the
	 * caller holds the site's lock), and whatever earlier versions stored per user.
	 *
	 * @param int|null $now Unix time.
	 * @return bool Whether a run was dropped.
	 */
	public function purge_idle( ?int $now = null ): bool {
		self::delete_legacy();
		$record = $this->raw();
		if ( null === $record || ! self::idle( $record, $now ?? time() ) ) {
			return false;
		}
		$this->expire( $record );
		return true;
	}

	/**
	 * Ends an idle run as stored (states in base64). A repair left half way may hold the admin's
	 * sign-in: it goes back to the finished setup's state (which holds none), keeping the record
	 * that Undo and Repair need. Any other idle run is deleted.
	 *
	 * @param array $record Stored record.
	 * @return array|null The record kept, as stored, or null when deleted.
	 */
	private function expire( array $record ): ?array {
		if ( 'repair' === ( $record['mode'] ?? '' ) && array_key_exists( 'finished_state', $record ) ) {
			$record['state']  = $record['finished_state'];
			$record['status'] = 'done';
			unset( $record['mode'], $record['finished_state'] );
			$record['seq'] = (int) ( $record['seq'] ?? 0 ) + 1;
			update_option( self::OPTION, $record, false );
			return $record;
		}
		delete_option( self::OPTION );
		return null;
	}

	/**
	 * True for an unfinished run whose last step is more than UNFINISHED_TTL ago. A finished or
	 * cancelled run holds no admin token (the engine drops them) and no secret (forget_secret).
	 *
	 * @param array $record Stored record.
	 * @param int   $now    Unix time.
	 */
	public static function idle( array $record, int $now ): bool {
		$finished = in_array( $record['status'] ?? '', array( 'done', 'cancelled' ), true );
		return ! $finished && (int) ( $record['updated_at'] ?? 0 ) < $now - self::UNFINISHED_TTL;
	}

	/**
	 * Deletes the stored run of the current site and any per-user runs (uninstall).
	 */
	public static function delete_all(): void {
		delete_option( self::OPTION );
		self::delete_legacy();
	}

	/**
	 * Deletes the per-user runs of earlier versions (sealed under the salt-derived key, which is no
	 * longer used: they could not be resumed anyway).
	 */
	public static function delete_legacy(): void {
		delete_metadata( 'user', 0, self::LEGACY_META_KEY, '', true );
		delete_option( self::LEGACY_META_KEY . '_cli' );
	}

	/**
	 * The stored record as in the database, read afresh (another process may have written it).
	 */
	private function raw(): ?array {
		wp_cache_delete( self::OPTION, 'options' );
		$notoptions = wp_cache_get( 'notoptions', 'options' );
		if ( is_array( $notoptions ) && isset( $notoptions[ self::OPTION ] ) ) {
			unset( $notoptions[ self::OPTION ] );
			wp_cache_set( 'notoptions', $notoptions, 'options' );
		}
		$record = get_option( self::OPTION, null );
		return is_array( $record ) ? $record : null;
	}
}
