<?php
/**
 * "Renew secret": drives `wpcrm_provision()` with `action: renew` for the browser and WP-CLI.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * One call = one step of the engine's renewal (sign-in, the site's application, a new secret, the
 * wait until Entra ID accepts it, verification). Its state lives in its own option, apart from the
 * setup run (whose record "Undo setup" needs), under the same site lock as setup.
 *
 * Order on `done`, which is the whole point: the new secret is saved to the plugin's settings and to
 * the legacy option first, and only then is `forget_secret` sent, which removes the site's older
 * secrets. A renewal that dies before the save leaves the site on its old secret (still valid); one
 * that dies after leaves it on the new one.
 */
final class Renewal {

	/** Option holding the site's renewal in progress (not autoloaded). */
	public const OPTION = 'wpcrm_connect_renewal';

	/** Seconds an unfinished renewal (its state holds the admin's refresh token) is kept after its last step. */
	public const TTL = HOUR_IN_SECONDS;

	/** `forget_secret` calls at most (each within its own budget) before the plugin gives up on removing older secrets. */
	private const FORGET_ATTEMPTS = 3;

	/**
	 * Extension seam.
	 *
	 * @var Engine
	 */
	private $extension;

	/**
	 * Settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Legacy plugin option.
	 *
	 * @var Legacy_Options
	 */
	private $legacy;

	/**
	 * Keeps the last report.
	 *
	 * @var Verifier
	 */
	private $verifier;

	/**
	 * Records tenant changes.
	 *
	 * @var Audit_Log
	 */
	private $audit;

	/**
	 * One writer at a time per site (shared with setup).
	 *
	 * @var Provision_Lock
	 */
	private $lock;

	/**
	 * DataPress's connection (updated when DataPress is active).
	 *
	 * @var Integrations\DataPress
	 */
	private $datapress;

	/**
	 * Constructor.
	 *
	 * @param Engine         $extension Engine.
	 * @param Settings       $settings  Settings.
	 * @param Legacy_Options $legacy    Legacy option.
	 * @param Verifier       $verifier  Verifier.
	 * @param Audit_Log      $audit     Audit log.
	 * @param Provision_Lock $lock      The site's lock.
	 */
	public function __construct( Engine $extension, Settings $settings, Legacy_Options $legacy, Verifier $verifier, Audit_Log $audit, Provision_Lock $lock, ?Integrations\DataPress $datapress = null ) {
		$this->datapress = $datapress ?? new Integrations\DataPress();
		$this->extension = $extension;
		$this->settings  = $settings;
		$this->legacy    = $legacy;
		$this->verifier  = $verifier;
		$this->audit     = $audit;
		$this->lock      = $lock;
	}

	/**
	 * Starts a renewal, or continues the one in progress.
	 *
	 * @param int   $user_id Who asks (0 for WP-CLI without --user).
	 * @param array $params  secret_days, timeout, source, lock_wait; sign_in_method ('device_code' or
	 *                       'browser') and sign_in_response_url (the pasted address, once).
	 * @return array Public result: status (also `busy`), sign_in, steps, step, error, notices, verification,
	 *               connection (no secret), saved_to, secret_expires_at.
	 */
	public function step( int $user_id, array $params = array() ): array {
		$refused = $this->refusal();
		if ( null !== $refused ) {
			return $refused;
		}
		if ( ! $this->lock->acquire( (int) ( $params['lock_wait'] ?? 0 ) ) ) {
			return Provisioning::busy();
		}
		try {
			return $this->step_locked( $user_id, $params );
		} finally {
			$this->lock->release();
		}
	}

	/**
	 * Why no renewal can run (no key, no saved connection, a secret set in wp-config.php), or null.
	 */
	private function refusal(): ?array {
		$conn = $this->settings->connection();
		if ( null === Provisioning::state_key() ) {
			return self::failed( 'no_key', (string) Key::problem() );
		}
		if ( '' === $conn['application_id'] || '' === $conn['instance_url'] ) {
			return self::failed( 'no_connection', __( 'There is no saved connection whose secret could be renewed. Set up the connection first.', 'wpcrm-connect' ) );
		}
		if ( $this->settings->secret_from_constant() ) {
			/* translators: %s: constant name. */
			return self::failed( 'secret_from_constant', sprintf( __( 'The client secret is defined by %s in wp-config.php: a renewed secret could not replace it. Renew it in the Microsoft Entra admin center and update the constant.', 'wpcrm-connect' ), Settings::SECRET_CONSTANT ) );
		}
		return null;
	}

	/**
	 * A failure answered without calling the engine.
	 *
	 * @param string $code    Code.
	 * @param string $message Message.
	 */
	private static function failed( string $code, string $message ): array {
		return array(
			'status' => 'failed',
			'steps'  => array(),
			'error'  => array(
				'step'    => null,
				'code'    => $code,
				'message' => $message,
				'fix'     => '',
			),
		);
	}

	/**
	 * One step, with the site's lock held.
	 *
	 * @param int   $user_id User.
	 * @param array $params  See step().
	 */
	private function step_locked( int $user_id, array $params ): array {
		$source  = in_array( $params['source'] ?? '', Audit_Log::SOURCES, true ) ? (string) $params['source'] : 'rest';
		$record  = $this->get();
		$request = $this->request( $params, $record['state'] ?? null );
		try {
			$response = $this->call( $request, $user_id, $source );
			if ( isset( $request['state'] ) && 'invalid_state' === ( $response['error']['code'] ?? '' ) ) {
				// The stored state no longer opens (the key changed): start over.
				unset( $request['state'] );
				$response = $this->call( $request, $user_id, $source );
			}
		} catch ( \Throwable $e ) {
			return self::failed( 'exception', $e->getMessage() );
		}
		$status = (string) ( $response['status'] ?? 'failed' );
		$public = $this->public_result( $response );
		$state  = is_string( $response['state'] ?? null ) ? $response['state'] : null;
		if ( 'done' !== $status || ! is_array( $response['connection'] ?? null ) ) {
			$this->put( $state, $status, $request['secret_lifetime_days'] );
			return $public;
		}
		// Saved first (own settings, then the other plugins' options), and only then are older secrets removed.
		$saved = $this->save_connection( $response['connection'] );
		if ( null === $saved ) {
			// Kept as it is: the next "Renew secret" gets the same answer and tries the save again.
			$this->put( $state, $status, $request['secret_lifetime_days'] );
			return self::failed( 'not_saved', __( 'The new secret could not be saved in the plugin\'s settings, so the site keeps using its current secret and the older secrets were not removed.', 'wpcrm-connect' ) );
		}
		$public['saved_to']          = $saved;
		$public['secret_expires_at'] = (string) ( $response['connection']['secret_expires_at'] ?? '' );
		if ( is_array( $response['verification'] ?? null ) ) {
			$this->verifier->store( $response['verification'], 'renew' );
		}
		$notices = $this->forget_secret( $request, $state, $user_id, $source );
		if ( $notices ) {
			$public['notices'] = array_merge( $public['notices'] ?? array(), $notices );
		}
		delete_option( self::OPTION );
		/**
		 * Fires after a renewed client secret was saved and the older ones were removed.
		 *
		 * @param string $secret_expires_at When the new secret expires (ISO 8601).
		 */
		do_action( 'wpcrm_connect_secret_renewed', $public['secret_expires_at'] );
		return $public;
	}

	/**
	 * The engine request of a renewal: only what the site recorded about its connection.
	 *
	 * @param array       $params See step().
	 * @param string|null $state  The renewal's state, if one is under way.
	 */
	private function request( array $params, ?string $state ): array {
		$conn     = $this->settings->connection();
		$stored   = $this->settings->stored();
		$days     = (int) ( $params['secret_days'] ?? 0 );
		$request  = array(
			'action'               => 'renew',
			'state_key'            => Provisioning::state_key(),
			'instance_url'         => $conn['instance_url'],
			'application_id'       => $conn['application_id'],
			'secret_lifetime_days' => $days > 0 ? min( 730, $days ) : Provisioning::DEFAULT_SECRET_DAYS,
			'tables'               => $this->settings->tables(),
			'site_id'              => home_url( '/' ),
			'timeout'              => (int) ( $params['timeout'] ?? 8 ),
		);
		$object_id = (string) ( $stored['provisioned']['application_object_id'] ?? '' );
		if ( '' !== $object_id ) {
			$request['application_object_id'] = $object_id;
		}
		if ( ! empty( $conn['tenant_id'] ) ) {
			$request['tenant_id'] = (string) $conn['tenant_id'];
		}
		if ( null !== $state ) {
			$request['state'] = $state;
		}
		// The browser sign-in (where Conditional Access blocks the device code): the switch, and the
		// pasted address once; without them the engine keeps the sign-in under way.
		$method = (string) ( $params['sign_in_method'] ?? '' );
		if ( in_array( $method, array( 'device_code', 'browser' ), true ) ) {
			$request['sign_in_method'] = $method;
		}
		$pasted = trim( (string) ( $params['sign_in_response_url'] ?? '' ) );
		if ( '' !== $pasted ) {
			$request['sign_in_response_url'] = $pasted;
		}
		return $request;
	}

	/**
	 * Calls the engine and records the tenant changes it reports.
	 *
	 * @param array  $request Request.
	 * @param int    $user_id User.
	 * @param string $source  Source.
	 */
	private function call( array $request, int $user_id, string $source ): array {
		$response = $this->extension->provision( $request );
		$secret   = is_array( $response['connection'] ?? null ) ? (string) ( $response['connection']['client_secret'] ?? '' ) : '';
		$this->audit->record( $response['changes'] ?? null, $user_id, $source, array( $secret ) );
		return $response;
	}

	/**
	 * Saves the renewed secret: the plugin's settings (sealed), then `msdyncrm_options` and DataPress's
	 * `icds_connection` when those plugins are active. The rest of the connection is unchanged.
	 *
	 * @param array $connection `connection` of the `done` response.
	 * @return string[]|null Option names written; null when the plugin's own settings did not take it.
	 */
	private function save_connection( array $connection ): ?array {
		$current  = $this->settings->connection();
		$secret   = (string) ( $connection['client_secret'] ?? '' );
		$stored   = $this->settings->stored();
		$ids      = is_array( $stored['provisioned'] ?? null ) ? $stored['provisioned'] : array();
		$key_id   = (string) ( $connection['secret_key_id'] ?? '' );
		$values   = array(
			'client_secret'     => $secret,
			'secret_expires_at' => (string) ( $connection['secret_expires_at'] ?? '' ),
			'provisioned'       => array_merge(
				$ids,
				array_filter(
					array(
						'application_object_id' => (string) ( $connection['application_object_id'] ?? '' ),
						'secret_key_id'         => $key_id,
					)
				)
			),
		);
		if ( empty( $current['tenant_id'] ) && ! empty( $connection['tenant_id'] ) ) {
			$values['tenant_id'] = (string) $connection['tenant_id'];
		}
		$this->settings->save( $values );
		if ( (string) $this->settings->secret() !== $secret ) {
			// Not sealed and saved (e.g. no key): the site keeps its current secret, and the older
			// secrets must stay.
			return null;
		}
		$saved = array( Settings::OPTION );
		if ( $this->legacy->plugin_active() ) {
			$this->legacy->write( $current['instance_url'], $current['application_id'], $secret );
			$saved[] = Legacy_Options::OPTION;
		}
		if ( $this->datapress->plugin_active() && $this->datapress->write( $current['instance_url'], $current['application_id'], $secret ) ) {
			$saved[] = Integrations\DataPress::OPTION;
		}
		return $saved;
	}

	/**
	 * After saving: `forget_secret` removes the older secrets of this site and leaves a state with no
	 * secret and no admin token; it is repeated while the engine answers `in_progress`.
	 *
	 * @param array       $request The renewal's request.
	 * @param string|null $state   The state of the `done` answer.
	 * @param int         $user_id User.
	 * @param string      $source  Source.
	 * @return array[] Notices of the answers.
	 */
	private function forget_secret( array $request, ?string $state, int $user_id, string $source ): array {
		$request['action'] = 'forget_secret';
		$notices           = array();
		for ( $i = 0; $i < self::FORGET_ATTEMPTS && null !== $state; $i++ ) {
			$request['state'] = $state;
			try {
				$response = $this->call( $request, $user_id, $source );
			} catch ( \Throwable $e ) {
				break;
			}
			$notices = array_merge( $notices, Provisioning::engine_notices( $response ) );
			if ( 'in_progress' !== ( $response['status'] ?? '' ) ) {
				break;
			}
			$state = is_string( $response['state'] ?? null ) ? $response['state'] : null;
		}
		return $notices;
	}

	/**
	 * The parts of a response that may leave the server.
	 *
	 * @param array $response Engine response.
	 */
	private function public_result( array $response ): array {
		$public = Provisioning::public_result( $response );
		unset( $public['environments'] );
		$public['flow'] = 'renew';
		return $public;
	}

	/**
	 * The renewal under way, or null (none, or idle for longer than TTL: dropped).
	 *
	 * @return array|null state (raw), status, secret_days, updated_at.
	 */
	public function get(): ?array {
		if ( self::purge_idle() ) {
			return null;
		}
		$record = get_option( self::OPTION, null );
		if ( ! is_array( $record ) ) {
			return null;
		}
		$state           = is_string( $record['state'] ?? null ) ? base64_decode( $record['state'], true ) : false; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		$record['state'] = false === $state ? null : $state;
		return $record;
	}

	/**
	 * Drops a renewal that has not moved for TTL (its state holds the admin's refresh token); the
	 * hourly purge (Health\Purge_Runs) and every read call it.
	 *
	 * @param int|null $now Unix time.
	 * @return bool Whether one was dropped.
	 */
	public static function purge_idle( ?int $now = null ): bool {
		$record = get_option( self::OPTION, null );
		if ( ! is_array( $record ) || (int) ( $record['updated_at'] ?? 0 ) >= ( $now ?? time() ) - self::TTL ) {
			return false;
		}
		delete_option( self::OPTION );
		return true;
	}

	/**
	 * Keeps the renewal's state for the next step.
	 *
	 * @param string|null $state  Sealed state.
	 * @param string      $status Engine status.
	 * @param int         $days   Lifetime asked for.
	 */
	private function put( ?string $state, string $status, int $days ): void {
		update_option(
			self::OPTION,
			array(
				'state'       => null === $state ? null : base64_encode( $state ), // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
				'status'      => $status,
				'secret_days' => $days,
				'updated_at'  => time(),
			),
			false
		);
	}
}
