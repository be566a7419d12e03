<?php
/**
 * Drives `wpcrm_provision()` for the browser and WP-CLI, and saves its result.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * One call = one step of the extension's resumable machine. The state stays on the server; what is
 * returned is safe to send to a browser (no state, no secret unless asked for).
 */
final class Provisioning {

	/** Option-name prefix of the per-user lock around a provisioning step (user id appended). */
	public const LOCK_PREFIX = 'wpcrm_connect_provision_lock_';

	/** Actions a caller may ask for. */
	public const ACTIONS = array( 'start', 'poll', 'choose_environment', 'cancel', 'rollback' );

	/** Default lifetime of the client secret, days. */
	public const DEFAULT_SECRET_DAYS = 180;

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
	 * Per-user state.
	 *
	 * @var Provision_State_Store
	 */
	private $store;

	/**
	 * Keeps the last report.
	 *
	 * @var Verifier
	 */
	private $verifier;

	/**
	 * Constructor.
	 *
	 * @param Engine                $extension Engine (the extension).
	 * @param Settings              $settings  Settings.
	 * @param Legacy_Options        $legacy    Legacy option.
	 * @param Provision_State_Store $store     State store.
	 * @param Verifier              $verifier  Verifier (stores the report that comes with `done`).
	 */
	public function __construct( Engine $extension, Settings $settings, Legacy_Options $legacy, Provision_State_Store $store, Verifier $verifier ) {
		$this->extension = $extension;
		$this->settings  = $settings;
		$this->legacy    = $legacy;
		$this->store     = $store;
		$this->verifier  = $verifier;
	}

	/**
	 * The 32-byte key the extension encrypts the state with, derived from the site's salts.
	 */
	public static function state_key(): string {
		return hash_hmac( 'sha256', 'wpcrm-provision-state', wp_salt( 'auth' ), true );
	}

	/**
	 * Runs one step.
	 *
	 * @param int    $user_id Whose run.
	 * @param string $action  One of ACTIONS.
	 * @param array  $params  instance_url, tables (map), secret_days, timeout.
	 * @return array Public result: status, sign_in, environments, steps, step, error, connection (no secret),
	 *               verification, saved_to, redirect; plus `client_secret` only inside `secret` for the CLI.
	 */
	public function step( int $user_id, string $action, array $params = array() ): array {
		// Two runs of the same state at once (two tabs, or the CLI beside the browser) would both add
		// a secret and the last one stored would win, leaving the other alive and unrecorded. Cancel
		// stays unlocked so that it works while a long poll is running.
		if ( 'cancel' === $action ) {
			return $this->step_locked( $user_id, $action, $params );
		}
		$lock = self::LOCK_PREFIX . $user_id;
		if ( ! $this->acquire_lock( $lock, (int) ( $params['timeout'] ?? 8 ) + 30 ) ) {
			return array(
				'status' => 'in_progress',
				'step'   => 'busy',
				'steps'  => array(),
			);
		}
		try {
			return $this->step_locked( $user_id, $action, $params );
		} finally {
			delete_option( $lock );
		}
	}

	/**
	 * Takes the option-row lock `$name` for `$ttl` seconds; a lock left by a request that died is
	 * taken over once it has expired.
	 *
	 * @param string $name Option name.
	 * @param int    $ttl  Seconds.
	 */
	private function acquire_lock( string $name, int $ttl ): bool {
		if ( add_option( $name, time() + $ttl, '', false ) ) {
			return true;
		}
		if ( (int) get_option( $name, 0 ) >= time() ) {
			return false;
		}
		delete_option( $name );
		return add_option( $name, time() + $ttl, '', false );
	}

	/**
	 * One step of the flow, with the user's lock held (see step()).
	 *
	 * @param int    $user_id User (0 for WP-CLI).
	 * @param string $action  start, poll, choose_environment, cancel or rollback.
	 * @param array  $params  instance_url, tables, secret_days, timeout.
	 */
	private function step_locked( int $user_id, string $action, array $params ): array {
		$record = $this->store->get( $user_id );

		if ( null === $record && 'start' !== $action ) {
			return array(
				'status' => 'idle',
				'steps'  => array(),
			);
		}
		if ( 'start' === $action ) {
			// A run that stopped half way (failed, or the page was closed) resumes where it stopped: the
			// engine's steps look up what exists. A finished or cancelled run starts over.
			$resume = null !== $record && ! empty( $record['state'] ) && ! in_array( $record['status'] ?? '', array( 'done', 'cancelled' ), true );
			$record = array(
				'state'   => $resume ? $record['state'] : null,
				'request' => array(
					'instance_url' => (string) ( $params['instance_url'] ?? '' ),
					'tables'       => ! empty( $params['tables'] ) ? $params['tables'] : $this->settings->tables(),
					'secret_days'  => (int) ( $params['secret_days'] ?? self::DEFAULT_SECRET_DAYS ),
				),
				'status'  => 'new',
				'saved'   => false,
			);
		}
		if ( 'choose_environment' === $action ) {
			$record['request']['instance_url'] = (string) ( $params['instance_url'] ?? '' );
		}

		$engine_action = in_array( $action, array( 'cancel', 'rollback' ), true ) ? $action : 'run';
		$request       = array(
			'state_key'            => self::state_key(),
			'app_name'             => $this->app_name(),
			'secret_lifetime_days' => max( 1, (int) $record['request']['secret_days'] ),
			'tables'               => $record['request']['tables'],
			'roles'                => array( 'Basic User' ),
			'create_role'          => true,
			'site_id'              => home_url( '/' ),
			'action'               => $engine_action,
			'timeout'              => (int) ( $params['timeout'] ?? 8 ),
		);
		if ( null !== $record['state'] ) {
			$request['state'] = $record['state'];
		}
		if ( '' !== $record['request']['instance_url'] ) {
			$request['instance_url'] = $record['request']['instance_url'];
		}

		try {
			$response = $this->extension->provision( $request );
			if ( 'start' === $action && isset( $request['state'] ) && 'invalid_state' === ( $response['error']['code'] ?? '' ) ) {
				// The stored state no longer opens (the salts changed): start over.
				unset( $request['state'] );
				$record['state'] = null;
				$response        = $this->extension->provision( $request );
			}
		} catch ( \Throwable $e ) {
			return array(
				'status' => 'failed',
				'steps'  => array(),
				'error'  => array(
					'step'    => null,
					'code'    => 'exception',
					'message' => $e->getMessage(),
					'fix'     => __( 'Check that the wpcrm extension is installed and up to date, then try again.', 'wpcrm-connect' ),
				),
			);
		}

		$status = (string) ( $response['status'] ?? 'failed' );
		if ( isset( $response['state'] ) && is_string( $response['state'] ) ) {
			$record['state'] = $response['state'];
		}
		$record['status'] = $status;

		$public = $this->public_result( $response );

		if ( 'cancel' === $action ) {
			// The state is kept: what was already created can still be rolled back ("Undo setup").
			$record['status'] = 'cancelled';
			$this->store->put( $user_id, $record );
			$public['status'] = 'cancelled';
			unset( $public['error'] );
			return $public;
		}

		if ( 'rollback' === $action ) {
			if ( 'done' === $status ) {
				$app_id = (string) ( $record['application_id'] ?? '' );
				if ( '' !== $app_id && $this->settings->connection()['application_id'] === $app_id ) {
					$this->settings->clear_connection();
					// The last report (and the "connection broken" notice it drives) was about the app
					// that no longer exists.
					$this->verifier->forget();
				}
				if ( '' !== $app_id ) {
					$this->legacy->forget( $app_id );
				}
				$this->store->delete( $user_id );
				$public['status'] = 'rolled_back';
				return $public;
			}
			$this->store->put( $user_id, $record );
			return $public;
		}

		if ( 'done' === $status && is_array( $response['connection'] ?? null ) ) {
			$connection = $response['connection'];
			if ( empty( $record['saved'] ) ) {
				$public['saved_to']       = $this->save_connection( $connection, $record['request']['tables'] );
				$record['saved']          = true;
				$record['saved_to']       = $public['saved_to'];
				$record['application_id'] = (string) ( $connection['application_id'] ?? '' );
				if ( is_array( $response['verification'] ?? null ) ) {
					$this->verifier->store( $response['verification'], 'provision' );
				}
			} else {
				$public['saved_to'] = $record['saved_to'] ?? array();
			}
			$public['redirect'] = in_array( 'msdyncrm_options', $public['saved_to'], true )
				? $this->legacy->reconnect_url()
				: add_query_arg(
					array(
						'page'        => Admin\Settings_Page::SLUG,
						'provisioned' => '1',
					),
					admin_url( 'options-general.php' )
				);
			$public['secret'] = (string) ( $connection['client_secret'] ?? '' );
		}

		if ( 'poll' === $action && 'done' !== $status ) {
			$latest = $this->store->get( $user_id );
			if ( null === $latest || 'cancelled' === ( $latest['status'] ?? '' ) ) {
				// Cancelled (or undone) while this poll was running: keep what the cancel stored.
				return array(
					'status' => null === $latest ? 'idle' : 'cancelled',
					'steps'  => $public['steps'],
				);
			}
		}
		$this->store->put( $user_id, $record );
		return $public;
	}

	/**
	 * The stored run's status for a user (for the page and `/status`), without the state.
	 *
	 * @param int $user_id User.
	 * @return array|null status, updated_at, application_id.
	 */
	public function current( int $user_id ): ?array {
		$record = $this->store->get( $user_id );
		if ( null === $record ) {
			return null;
		}
		return array(
			'status'         => (string) ( $record['status'] ?? '' ),
			'updated_at'     => (int) ( $record['updated_at'] ?? 0 ),
			'application_id' => (string) ( $record['application_id'] ?? '' ),
			'can_rollback'   => ! empty( $record['state'] ) && 'new' !== ( $record['status'] ?? '' ),
		);
	}

	/**
	 * Saves a finished provisioning: own option (sealed secret) and, when that plugin is active,
	 * `msdyncrm_options`.
	 *
	 * @param array $connection `connection` of the `done` response.
	 * @param array $tables     Tables that were provisioned.
	 * @return string[] Option names written.
	 */
	private function save_connection( array $connection, array $tables ): array {
		$instance_url   = (string) ( $connection['instance_url'] ?? '' );
		$application_id = (string) ( $connection['application_id'] ?? '' );
		$secret         = (string) ( $connection['client_secret'] ?? '' );
		$provisioned    = array();
		foreach ( $connection as $key => $value ) {
			if ( is_scalar( $value ) && 'client_secret' !== $key && preg_match( '/_id$/', (string) $key ) ) {
				$provisioned[ $key ] = (string) $value;
			}
		}
		$this->settings->save(
			array(
				'instance_url'      => $instance_url,
				'tenant_id'         => (string) ( $connection['tenant_id'] ?? '' ),
				'application_id'    => $application_id,
				'client_secret'     => $secret,
				'secret_expires_at' => (string) ( $connection['secret_expires_at'] ?? '' ),
				'tables'            => $tables,
				'provisioned'       => $provisioned,
			)
		);
		$saved = array( Settings::OPTION );
		if ( $this->legacy->plugin_active() ) {
			$this->legacy->write( $instance_url, $application_id, $secret );
			$saved[] = Legacy_Options::OPTION;
		}
		return $saved;
	}

	/**
	 * The parts of a response that may leave the server.
	 *
	 * @param array $response Extension response.
	 */
	private function public_result( array $response ): array {
		$public = array(
			'status' => (string) ( $response['status'] ?? 'failed' ),
			'steps'  => array_values( array_filter( (array) ( $response['steps'] ?? array() ), 'is_array' ) ),
		);
		foreach ( array( 'sign_in', 'environments', 'step', 'error', 'verification' ) as $key ) {
			if ( isset( $response[ $key ] ) ) {
				$public[ $key ] = $response[ $key ];
			}
		}
		if ( is_array( $response['connection'] ?? null ) ) {
			$connection = $response['connection'];
			unset( $connection['client_secret'] );
			$public['connection'] = $connection;
		}
		return $public;
	}

	/**
	 * Name of the application registration.
	 */
	private function app_name(): string {
		$name = wp_specialchars_decode( (string) get_bloginfo( 'name' ), ENT_QUOTES );
		/* translators: %s: the site title. */
		$app = sprintf( __( 'WordPress: %s', 'wpcrm-connect' ), '' !== $name ? $name : wp_parse_url( home_url(), PHP_URL_HOST ) );
		/**
		 * Filters the display name of the Entra application registration provisioning creates.
		 *
		 * @param string $app Name.
		 */
		return (string) apply_filters( 'wpcrm_connect_app_name', $app );
	}
}
