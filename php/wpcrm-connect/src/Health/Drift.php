<?php
/**
 * Drift: what changed in the application user's roles and privileges since the last daily check.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

use Wpcrm\Connect\Admin\Settings_Page;

/**
 * Records the roles and privileges the least-privilege audit saw (the report's `audit`) and, from
 * the second run on, what changed since the run before: roles added or removed, privileges
 * granted, removed, deepened or made shallower. Site Health and the admin notice show the changes
 * of the latest run; a run that finds none clears them. Nothing here is secret (role names,
 * privilege names, depths).
 */
final class Drift {

	/** What the last run saw: roles (id => name), privileges (name => depth), at. */
	public const SEEN_OPTION = 'wpcrm_connect_audit_seen';

	/** The changes the latest run found: list of {kind, what, from, to}, at. */
	public const DRIFT_OPTION = 'wpcrm_connect_drift';

	public const TEST = 'wpcrm_connect_drift';

	/**
	 * Depths in order, to tell deeper from shallower.
	 */
	private const DEPTHS = array( 'none', 'basic', 'local', 'deep', 'global' );

	/**
	 * Records what `$report` saw and returns the changes since the previous record (empty on the
	 * first run, or when the audit did not run).
	 *
	 * @param array    $report Verify report.
	 * @param int|null $now    Unix time.
	 * @return array[] Changes: kind (role_added, role_removed, privilege_added, privilege_removed,
	 *                 privilege_deeper, privilege_shallower), what, from, to.
	 */
	public function record( array $report, ?int $now = null ): array {
		$seen = self::seen( $report );
		if ( null === $seen ) {
			return array();
		}
		$now      = $now ?? time();
		$previous = get_option( self::SEEN_OPTION, null );
		update_option( self::SEEN_OPTION, $seen + array( 'at' => $now ), false );
		if ( ! is_array( $previous ) ) {
			return array();
		}
		$changes = self::diff( $previous, $seen );
		if ( $changes ) {
			update_option(
				self::DRIFT_OPTION,
				array(
					'at'      => $now,
					'since'   => (int) ( $previous['at'] ?? 0 ),
					'changes' => $changes,
				),
				false
			);
		} else {
			delete_option( self::DRIFT_OPTION );
		}
		return $changes;
	}

	/**
	 * The latest drift, if any: at, since, changes.
	 */
	public static function latest(): ?array {
		$drift = get_option( self::DRIFT_OPTION, null );
		return is_array( $drift ) && ! empty( $drift['changes'] ) ? $drift : null;
	}

	/**
	 * What the audit of `$report` saw, or null when it did not run. Roles and privileges are each
	 * only compared when both runs could read them.
	 *
	 * @param array $report Verify report.
	 */
	private static function seen( array $report ): ?array {
		$audit = $report['audit'] ?? null;
		if ( ! is_array( $audit ) ) {
			return null;
		}
		$roles = null;
		if ( is_array( $audit['roles'] ?? null ) ) {
			$roles = array();
			foreach ( $audit['roles'] as $role ) {
				if ( is_array( $role ) && isset( $role['id'] ) ) {
					$roles[ (string) $role['id'] ] = (string) ( $role['name'] ?? $role['id'] );
				}
			}
		}
		$privileges = null;
		if ( is_array( $audit['privileges'] ?? null ) ) {
			$privileges = array();
			foreach ( $audit['privileges'] as $name => $depth ) {
				$privileges[ (string) $name ] = (string) $depth;
			}
		}
		return array(
			'roles'      => $roles,
			'privileges' => $privileges,
		);
	}

	/**
	 * Changes from `$before` to `$after`.
	 *
	 * @param array $before Seen before.
	 * @param array $after  Seen now.
	 * @return array[]
	 */
	private static function diff( array $before, array $after ): array {
		$changes = array();
		if ( is_array( $before['roles'] ?? null ) && is_array( $after['roles'] ) ) {
			foreach ( array_diff_key( $after['roles'], $before['roles'] ) as $name ) {
				$changes[] = self::change( 'role_added', $name, '', '' );
			}
			foreach ( array_diff_key( $before['roles'], $after['roles'] ) as $name ) {
				$changes[] = self::change( 'role_removed', $name, '', '' );
			}
		}
		if ( ! is_array( $before['privileges'] ?? null ) || ! is_array( $after['privileges'] ) ) {
			// A run whose privilege lookup failed saw nothing to compare (not everything taken away).
			return $changes;
		}
		$old = $before['privileges'];
		foreach ( $after['privileges'] as $name => $depth ) {
			$was = (string) ( $old[ $name ] ?? 'none' );
			if ( $was === $depth ) {
				continue;
			}
			$kind      = 'none' === $was ? 'privilege_added' : ( self::rank( $depth ) > self::rank( $was ) ? 'privilege_deeper' : 'privilege_shallower' );
			$changes[] = self::change( $kind, (string) $name, $was, $depth );
		}
		foreach ( array_diff_key( $old, $after['privileges'] ) as $name => $depth ) {
			$changes[] = self::change( 'privilege_removed', (string) $name, (string) $depth, 'none' );
		}
		return $changes;
	}

	/**
	 * One change.
	 *
	 * @param string $kind Kind.
	 * @param string $what Role or privilege name.
	 * @param string $from Depth before.
	 * @param string $to   Depth now.
	 */
	private static function change( string $kind, string $what, string $from, string $to ): array {
		return array(
			'kind' => $kind,
			'what' => $what,
			'from' => $from,
			'to'   => $to,
		);
	}

	/**
	 * Position of a depth.
	 *
	 * @param string $depth Depth.
	 */
	private static function rank( string $depth ): int {
		$i = array_search( $depth, self::DEPTHS, true );
		return false === $i ? 0 : (int) $i;
	}

	/**
	 * One change in words.
	 *
	 * @param array $change Change.
	 */
	public static function describe( array $change ): string {
		$what = (string) ( $change['what'] ?? '' );
		switch ( $change['kind'] ?? '' ) {
			case 'role_added':
				/* translators: %s: a security role's name. */
				return sprintf( __( 'role "%s" was assigned', 'wpcrm-connect' ), $what );
			case 'role_removed':
				/* translators: %s: a security role's name. */
				return sprintf( __( 'role "%s" was removed', 'wpcrm-connect' ), $what );
			case 'privilege_added':
				/* translators: 1: a privilege name, 2: its depth. */
				return sprintf( __( '%1$s was granted (%2$s)', 'wpcrm-connect' ), $what, (string) $change['to'] );
			case 'privilege_removed':
				/* translators: %s: a privilege name. */
				return sprintf( __( '%s was taken away', 'wpcrm-connect' ), $what );
			default:
				/* translators: 1: a privilege name, 2: depth before, 3: depth now. */
				return sprintf( __( '%1$s changed from %2$s to %3$s', 'wpcrm-connect' ), $what, (string) $change['from'], (string) $change['to'] );
		}
	}

	/**
	 * The latest changes in words, at most `$max` of them.
	 *
	 * @param array $drift Drift (latest()).
	 * @param int   $max   Most changes to list.
	 */
	public static function summary( array $drift, int $max = 5 ): string {
		$changes = (array) $drift['changes'];
		$words   = array_map( array( self::class, 'describe' ), array_slice( $changes, 0, $max ) );
		if ( count( $changes ) > $max ) {
			/* translators: %d: how many more changes. */
			$words[] = sprintf( _n( '%d more change', '%d more changes', count( $changes ) - $max, 'wpcrm-connect' ), count( $changes ) - $max );
		}
		return implode( '; ', $words );
	}

	/**
	 * Adds the Site Health test.
	 *
	 * @param array $tests Tests.
	 * @return array
	 */
	public function add_test( $tests ) {
		$tests['direct'][ self::TEST ] = array(
			'label' => __( 'Dataverse application user permissions', 'wpcrm-connect' ),
			'test'  => array( $this, 'test' ),
		);
		return $tests;
	}

	/**
	 * The Site Health result: recommended when the roles or privileges changed since the run before.
	 */
	public function test(): array {
		$drift  = self::latest();
		$result = array(
			'label'       => __( 'The Dataverse application user\'s roles and privileges did not change', 'wpcrm-connect' ),
			'status'      => 'good',
			'badge'       => array(
				'label' => __( 'Dataverse', 'wpcrm-connect' ),
				'color' => 'blue',
			),
			'description' => '<p>' . esc_html__( 'The daily check compares the roles and privileges of the site\'s application user with the day before.', 'wpcrm-connect' ) . '</p>',
			'actions'     => '',
			'test'        => self::TEST,
		);
		if ( null === $drift ) {
			return $result;
		}
		$result['status']         = 'recommended';
		$result['badge']['color'] = 'orange';
		$result['label']          = __( 'The Dataverse application user\'s roles or privileges changed', 'wpcrm-connect' );
		$result['description']    = '<p>' . esc_html(
			sprintf(
				/* translators: 1: date of the check, 2: list of changes. */
				__( 'Since the check before %1$s: %2$s.', 'wpcrm-connect' ),
				wp_date( get_option( 'date_format' ), (int) $drift['at'] ),
				self::summary( $drift, 20 )
			)
		) . '</p>';
		$result['actions']        = sprintf(
			'<p><a href="%s">%s</a></p>',
			esc_url( admin_url( 'options-general.php?page=' . Settings_Page::SLUG ) ),
			esc_html__( 'Verify and repair on the settings page', 'wpcrm-connect' )
		);
		return $result;
	}
}
