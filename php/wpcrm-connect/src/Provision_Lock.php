<?php
/**
 * The site-wide lock around a provisioning step.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * One writer at a time per site: the browser's REST calls, WP-CLI and cron all take it before they
 * call the engine or change the stored run. A MySQL/MariaDB named lock (`GET_LOCK(name, timeout)`),
 * atomic in the server and released by the server when the request dies with its connection, so no
 * stale lock is ever left behind. The name holds the database, the table prefix and the blog id.
 */
final class Provision_Lock {

	/**
	 * Locks this process holds (name => true): a nested acquire from the same process is refused, as
	 * it would be from another request (MySQL named locks are re-entrant per connection).
	 *
	 * @var array<string,bool>
	 */
	private static $held = array();

	/**
	 * The lock name of a site (at most 64 characters, as MySQL requires).
	 *
	 * @param int|null $blog_id Blog; null for the current one.
	 */
	public static function name( ?int $blog_id = null ): string {
		global $wpdb;
		$database = defined( 'DB_NAME' ) ? (string) DB_NAME : '';
		return 'wpcrm_provision_' . substr( md5( $database . '|' . $wpdb->base_prefix ), 0, 12 ) . '_' . ( $blog_id ?? get_current_blog_id() );
	}

	/**
	 * Takes the current site's lock.
	 *
	 * @param int $wait Seconds to wait for it (0: answer at once).
	 * @return bool Whether it is held now.
	 */
	public function acquire( int $wait = 0 ): bool {
		global $wpdb;
		$name = self::name();
		if ( isset( self::$held[ $name ] ) ) {
			return false;
		}
		$got = $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $name, max( 0, $wait ) ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		if ( '1' !== (string) $got ) {
			return false;
		}
		self::$held[ $name ] = true;
		return true;
	}

	/**
	 * Releases the current site's lock.
	 */
	public function release(): void {
		global $wpdb;
		$name = self::name();
		if ( ! isset( self::$held[ $name ] ) ) {
			return;
		}
		unset( self::$held[ $name ] );
		$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $name ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * True when some connection holds the current site's lock.
	 */
	public function is_held(): bool {
		global $wpdb;
		return null !== $wpdb->get_var( $wpdb->prepare( 'SELECT IS_USED_LOCK(%s)', self::name() ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}
}
