<?php
/**
 * The per-site record of what provisioning changed in the tenant.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Keeps the engine's `changes` (created/updated/removed objects) with who made them (WordPress user id
 * and login), from where (browser, rest, cli, cron) and on which blog, in an option that is not
 * autoloaded, capped at the last MAX entries. Never a secret value: ids and the engine's details only,
 * and any value the caller names as secret is redacted.
 */
final class Audit_Log {

	public const OPTION = 'wpcrm_connect_audit';

	/** Entries kept. */
	public const MAX = 500;

	public const ACTIONS = array( 'created', 'updated', 'removed' );

	public const KINDS = array( 'application', 'service_principal', 'client_secret', 'application_user', 'role', 'role_assignment', 'owner' );

	public const SOURCES = array( 'browser', 'rest', 'cli', 'cron' );

	/**
	 * Appends the changes of one engine answer.
	 *
	 * @param mixed    $changes The answer's `changes` (missing or not a list: nothing to record).
	 * @param int      $user_id WordPress user (0 for WP-CLI without --user, or cron).
	 * @param string   $source  browser, rest, cli or cron.
	 * @param string[] $secrets Values that must never be written (redacted wherever they appear).
	 * @return int Entries recorded.
	 */
	public function record( $changes, int $user_id, string $source, array $secrets = array() ): int {
		if ( ! is_array( $changes ) || ! $changes ) {
			return 0;
		}
		$user    = $user_id > 0 ? get_userdata( $user_id ) : false;
		$login   = $user ? (string) $user->user_login : '';
		$source  = in_array( $source, self::SOURCES, true ) ? $source : 'rest';
		$secrets = array_filter( array_map( 'strval', $secrets ), static function ( $s ) {
			return strlen( $s ) >= 8;
		} );
		$entries = array();
		foreach ( $changes as $change ) {
			if ( ! is_array( $change ) || ! in_array( $change['action'] ?? '', self::ACTIONS, true ) || ! in_array( $change['kind'] ?? '', self::KINDS, true ) ) {
				continue;
			}
			$at        = is_string( $change['at'] ?? null ) && false !== strtotime( $change['at'] ) ? gmdate( 'c', (int) strtotime( $change['at'] ) ) : gmdate( 'c' );
			$entries[] = array(
				'at'         => $at,
				'action'     => (string) $change['action'],
				'kind'       => (string) $change['kind'],
				'id'         => self::clean( $change['id'] ?? '', 200, $secrets ),
				'detail'     => self::clean( $change['detail'] ?? '', 300, $secrets ),
				'user_id'    => $user_id,
				'user_login' => $login,
				'source'     => $source,
				'blog_id'    => get_current_blog_id(),
			);
		}
		if ( ! $entries ) {
			return 0;
		}
		$all = array_merge( $this->all(), $entries );
		if ( count( $all ) > self::MAX ) {
			$all = array_slice( $all, -self::MAX );
		}
		update_option( self::OPTION, $all, false );
		return count( $entries );
	}

	/**
	 * Entries, oldest first.
	 *
	 * @return array[]
	 */
	public function all(): array {
		$all = get_option( self::OPTION, array() );
		return is_array( $all ) ? array_values( array_filter( $all, 'is_array' ) ) : array();
	}

	/**
	 * The last entries, newest first.
	 *
	 * @param int $limit How many.
	 * @return array[]
	 */
	public function latest( int $limit ): array {
		return array_reverse( array_slice( $this->all(), -$limit ) );
	}

	/**
	 * Deletes the log (uninstall).
	 */
	public static function delete(): void {
		delete_option( self::OPTION );
	}

	/**
	 * A display-safe string: plain text, clipped, secrets redacted.
	 *
	 * @param mixed    $value   Value.
	 * @param int      $max     Characters kept.
	 * @param string[] $secrets Values to redact.
	 */
	private static function clean( $value, int $max, array $secrets ): string {
		$value = is_scalar( $value ) ? (string) $value : '';
		foreach ( $secrets as $secret ) {
			$value = str_replace( $secret, '[redacted]', $value );
		}
		$value = sanitize_text_field( $value );
		return function_exists( 'mb_substr' ) ? mb_substr( $value, 0, $max ) : substr( $value, 0, $max );
	}
}
