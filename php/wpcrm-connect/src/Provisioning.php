<?php
/**
 * Drives `wpcrm_provision()` for the browser and WP-CLI, and saves its result.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * One call = one step of the extension's resumable machine, one writer at a time per site
 * (Provision_Lock). The state stays on the server; what is returned is safe to send to a browser (no
 * state, no secret unless asked for).
 */
final class Provisioning {

	/** Actions a caller may ask for. */
	public const ACTIONS = array( 'start', 'poll', 'choose_environment', 'cancel', 'rollback', 'repair', 'renew' );

	/** Default lifetime of the client secret, days. */
	public const DEFAULT_SECRET_DAYS = 180;

	/**
	 * Clouds an administrator may choose for setup ('' follows the environment URL; without one, the
	 * public cloud). docs/provision.md, "Clouds".
	 */
	public const CLOUDS = array( '', 'public', 'gcc', 'usgovhigh', 'usgovdod', 'china' );

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
	 * DataPress's connection (filled when DataPress is active).
	 *
	 * @var Integrations\DataPress
	 */
	private $datapress;

	/**
	 * The site's run.
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
	 * Records tenant changes.
	 *
	 * @var Audit_Log
	 */
	private $audit;

	/**
	 * One writer at a time per site.
	 *
	 * @var Provision_Lock
	 */
	private $lock;

	/**
	 * Constructor.
	 *
	 * @param Engine                $extension Engine (the extension).
	 * @param Settings              $settings  Settings.
	 * @param Legacy_Options        $legacy    Legacy option.
	 * @param Provision_State_Store $store     State store.
	 * @param Verifier              $verifier  Verifier (stores the report that comes with `done`).
	 * @param Audit_Log|null        $audit     Audit log.
	 * @param Provision_Lock|null   $lock      The site's lock.
	 * @param Integrations\DataPress|null $datapress DataPress's connection.
	 */
	public function __construct( Engine $extension, Settings $settings, Legacy_Options $legacy, Provision_State_Store $store, Verifier $verifier, ?Audit_Log $audit = null, ?Provision_Lock $lock = null, ?Integrations\DataPress $datapress = null ) {
		$this->datapress = $datapress ?? new Integrations\DataPress();
		$this->extension = $extension;
		$this->settings  = $settings;
		$this->legacy    = $legacy;
		$this->store     = $store;
		$this->verifier  = $verifier;
		$this->audit     = $audit ?? new Audit_Log();
		$this->lock      = $lock ?? new Provision_Lock();
	}

	/**
	 * The 32-byte key the extension seals the state with, derived from the plugin's own key (never
	 * from the salts); null when the plugin has no key (Key::problem()).
	 */
	public static function state_key(): ?string {
		return Key::derive( 'provision-state' );
	}

	/**
	 * The sign-in method a caller asked for: device_code, browser, or '' (none named).
	 *
	 * @param array $params Step parameters.
	 */
	private static function sign_in_method( array $params ): string {
		$method = (string) ( $params['sign_in_method'] ?? '' );
		return in_array( $method, array( 'device_code', 'browser' ), true ) ? $method : '';
	}

	/**
	 * Adds the sign-in method of the run and, for this call only, the pasted address of the browser
	 * sign-in to the engine request (docs/provision.md, "Sign-in"). Undoing a setup takes the method
	 * and the address from the call only (a finished run's record keeps none).
	 *
	 * @param array  $request Engine request (changed).
	 * @param array  $record  The run's record.
	 * @param string $action  The step's action.
	 * @param array  $params  Step parameters.
	 */
	private function add_sign_in( array &$request, array $record, string $action, array $params ): void {
		if ( ! in_array( $action, array( 'start', 'poll', 'choose_environment', 'rollback', 'repair' ), true ) ) {
			return;
		}
		$method = 'rollback' === $action ? self::sign_in_method( $params ) : (string) ( $record['sign_in'] ?? '' );
		if ( '' !== $method ) {
			$request['sign_in_method'] = $method;
		}
		$pasted = trim( (string) ( $params['sign_in_response_url'] ?? '' ) );
		if ( '' !== $pasted && in_array( $action, array( 'poll', 'rollback' ), true ) ) {
			$request['sign_in_response_url'] = $pasted;
		}
	}

	/**
	 * The answer to a caller that could not get the site's lock.
	 */
	public static function busy(): array {
		return array(
			'status' => 'busy',
			'steps'  => array(),
			'error'  => array(
				'step'    => null,
				'code'    => 'busy',
				'message' => __( 'Another setup step is running for this site (in another browser tab, by another administrator, or in WP-CLI). Wait a moment and try again.', 'wpcrm-connect' ),
				'fix'     => '',
			),
		);
	}

	/**
	 * Runs one step, holding the site's lock for the engine call and the write.
	 *
	 * @param int    $user_id Who asks (0 for WP-CLI without --user, or cron).
	 * @param string $action  One of ACTIONS.
	 * @param array  $params  instance_url, tables (map), secret_days, timeout; source (browser, rest, cli,
	 *                        cron); lock_wait (seconds to wait for the lock, default 0); sign_in_method
	 *                        (device_code or browser, kept for the run); sign_in_response_url (the
	 *                        address the browser ended on after the browser sign-in: passed to the
	 *                        engine for this call only, never stored).
	 * @return array Public result: status (also `busy`), sign_in, environments, steps, step, error, connection
	 *               (no secret), verification, notices, saved_to, redirect; plus `client_secret` only inside
	 *               `secret` for the CLI.
	 */
	public function step( int $user_id, string $action, array $params = array() ): array {
		if ( 'renew' === $action ) {
			// "Renew secret": its own run (Renewal), under the same lock.
			return ( new Renewal( $this->extension, $this->settings, $this->legacy, $this->verifier, $this->audit, $this->lock, $this->datapress ) )->step( $user_id, $params );
		}
		if ( null === self::state_key() ) {
			return array(
				'status' => 'failed',
				'steps'  => array(),
				'error'  => array(
					'step'    => null,
					'code'    => 'no_key',
					'message' => (string) Key::problem(),
					'fix'     => sprintf(
						/* translators: 1: constant name, 2: wp-config.php. */
						__( 'Define %1$s in %2$s.', 'wpcrm-connect' ),
						Key::CONSTANT,
						'wp-config.php'
					),
				),
			);
		}
		// Two writers at once (two tabs, two admins, the CLI beside the browser, cron) would both add a
		// secret and the last one stored would win, leaving the other alive and unrecorded.
		if ( ! $this->lock->acquire( (int) ( $params['lock_wait'] ?? 0 ) ) ) {
			return self::busy();
		}
		try {
			return $this->step_locked( $user_id, $action, $params );
		} finally {
			$this->lock->release();
		}
	}

	/**
	 * One step of the flow, with the site's lock held (see step()).
	 *
	 * @param int    $user_id User (0 for WP-CLI without --user).
	 * @param string $action  start, poll, choose_environment, cancel or rollback.
	 * @param array  $params  See step().
	 */
	private function step_locked( int $user_id, string $action, array $params ): array {
		$record = $this->store->get();
		$base   = $this->store->seq();
		$who    = self::who( $user_id );
		$source = in_array( $params['source'] ?? '', Audit_Log::SOURCES, true ) ? (string) $params['source'] : 'rest';

		if ( 'repair' === $action ) {
			$refused = $this->repair_refused( $record );
			if ( null !== $refused ) {
				return $refused;
			}
			// Repair works on the finished run's state, for the tables the site needs now. That state
			// (no admin token, no secret) is kept aside: a repair left half way goes back to it.
			if ( 'repair' !== ( $record['mode'] ?? '' ) ) {
				$record['finished_state'] = $record['state'];
			}
			$record['mode']              = 'repair';
			$record['request']['tables'] = $this->settings->tables();
			$record['sign_in']           = self::sign_in_method( $params );
		}
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
				'state'      => $resume ? $record['state'] : null,
				'request'    => array(
					'instance_url' => (string) ( $params['instance_url'] ?? '' ),
					'tables'       => ! empty( $params['tables'] ) ? $params['tables'] : $this->settings->tables(),
					'secret_days'  => (int) ( $params['secret_days'] ?? self::DEFAULT_SECRET_DAYS ),
					'cloud'        => in_array( $params['cloud'] ?? '', self::CLOUDS, true ) ? (string) ( $params['cloud'] ?? '' ) : '',
				),
				'sign_in'    => self::sign_in_method( $params ),
				'status'     => 'new',
				'saved'      => false,
				'started_by' => $resume ? ( $record['started_by'] ?? $who ) : $who,
			);
		} elseif ( in_array( $action, array( 'poll', 'choose_environment' ), true ) && in_array( $record['status'] ?? '', array( 'done', 'cancelled' ), true ) ) {
			// A poll that arrives after the run finished or was cancelled moves nothing.
			return array(
				'status'   => (string) $record['status'],
				'steps'    => array(),
				'saved_to' => (array) ( $record['saved_to'] ?? array() ),
			);
		} elseif ( empty( $record['state'] ) ) {
			if ( 'cancel' === $action ) {
				$record['status']   = 'cancelled';
				$record['moved_by'] = $who;
				return $this->save( $record, $base, array( 'status' => 'cancelled', 'steps' => array() ) );
			}
			// Nothing the engine could continue or undo (a finished run whose state was dropped).
			return array(
				'status' => 'failed',
				'steps'  => array(),
				'error'  => array(
					'step'    => null,
					'code'    => 'no_state',
					'message' => __( 'This setup run can no longer be continued or undone from WordPress: its record was cleared. What it created is listed under "Changes made by setup"; remove it in the Microsoft Entra admin center if needed, or start a new setup.', 'wpcrm-connect' ),
					'fix'     => '',
				),
			);
		}
		if ( 'choose_environment' === $action ) {
			$record['request']['instance_url'] = (string) ( $params['instance_url'] ?? '' );
		}
		if ( 'poll' === $action && '' !== self::sign_in_method( $params ) ) {
			$record['sign_in'] = self::sign_in_method( $params );
		}
		$record['moved_by'] = $who;
		$record['source']   = $source;

		$repairing     = 'repair' === ( $record['mode'] ?? '' ) && in_array( $action, array( 'repair', 'poll' ), true );
		$engine_action = in_array( $action, array( 'cancel', 'rollback' ), true ) ? $action : ( $repairing ? 'repair' : 'run' );
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
		if ( $repairing ) {
			// Repair verifies with the saved secret; the state forgot its own copy.
			$request['client_secret'] = (string) $this->settings->secret();
		}
		if ( '' !== ( $record['request']['cloud'] ?? '' ) ) {
			$request['cloud'] = $record['request']['cloud'];
		}
		$this->add_sign_in( $request, $record, $action, $params );

		try {
			$response = $this->call( $request, $user_id, $source );
			if ( 'start' === $action && isset( $request['state'] ) && 'invalid_state' === ( $response['error']['code'] ?? '' ) ) {
				// The stored state no longer opens (the key changed): start over.
				unset( $request['state'] );
				$record['state'] = null;
				$response        = $this->call( $request, $user_id, $source );
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

		if ( $repairing ) {
			return $this->repaired( $record, $base, $public, $response );
		}

		if ( 'cancel' === $action && 'repair' === ( $record['mode'] ?? '' ) ) {
			// A cancelled repair leaves the finished setup as it was.
			unset( $record['mode'], $record['finished_state'] );
			$record['status'] = 'done';
			$public['status'] = 'cancelled';
			unset( $public['error'] );
			return $this->save( $record, $base, $public );
		}

		if ( 'cancel' === $action ) {
			// The state is kept: what was already created can still be rolled back ("Undo setup").
			$record['status'] = 'cancelled';
			$public['status'] = 'cancelled';
			unset( $public['error'] );
			return $this->save( $record, $base, $public );
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
					$this->datapress->forget( $app_id );
				}
				if ( ! $this->store->delete( $base ) ) {
					return $this->stale( $base );
				}
				$public['status'] = 'rolled_back';
				return $public;
			}
			return $this->save( $record, $base, $public );
		}

		if ( 'done' === $status && is_array( $response['connection'] ?? null ) ) {
			$connection = $response['connection'];
			if ( empty( $record['saved'] ) ) {
				$public['saved_to']       = $this->save_connection( $connection, $record['request']['tables'] );
				$record['saved']          = true;
				$record['saved_to']       = $public['saved_to'];
				$record['application_id'] = (string) ( $connection['application_id'] ?? '' );
				$record['created']        = self::ids( $connection );
				if ( is_array( $response['verification'] ?? null ) ) {
					$this->verifier->store( $response['verification'], 'provision' );
				}
				// The secret is saved (sealed) in the settings: the stored state must not keep it.
				$notices = $this->forget_secret( $request, $record, $user_id, $source );
				if ( $notices ) {
					$public['notices'] = array_merge( $public['notices'] ?? array(), $notices );
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
			$public['secret']       = (string) ( $connection['client_secret'] ?? '' );
			$public['can_rollback'] = ! empty( $record['state'] );
		}

		return $this->save( $record, $base, $public );
	}

	/**
	 * Why a repair cannot start: no finished setup of this site to repair (a connection entered by
	 * hand, or a run that is still going); null when it can.
	 *
	 * @param array|null $record The site's run.
	 */
	private function repair_refused( ?array $record ): ?array {
		$finished = null !== $record && ! empty( $record['state'] )
			&& ( 'done' === ( $record['status'] ?? '' ) || 'repair' === ( $record['mode'] ?? '' ) );
		if ( $finished ) {
			return null;
		}
		return array(
			'status' => 'failed',
			'steps'  => array(),
			'error'  => array(
				'step'    => null,
				'code'    => 'nothing_to_repair',
				'message' => __( 'Repair works on what this site\'s setup created, and there is no finished setup to work on (the connection was entered by hand, or a setup is still running).', 'wpcrm-connect' ),
				'fix'     => __( 'Fix the failed checks as they say, or run "Set up automatically" once.', 'wpcrm-connect' ),
			),
		);
	}

	/**
	 * The answer of a repair step: once done, its verification becomes the site's last report; the
	 * run is `done` again whatever the repair's outcome (a failed repair changes nothing the setup
	 * recorded and can be tried again).
	 *
	 * @param array $record   The run.
	 * @param int   $base     The `seq` the step started from.
	 * @param array $public   Public result so far.
	 * @param array $response Engine response.
	 */
	private function repaired( array $record, int $base, array $public, array $response ): array {
		$status = (string) ( $response['status'] ?? 'failed' );
		unset( $public['connection'] );
		if ( in_array( $status, array( 'done', 'failed' ), true ) ) {
			// The engine drops the admin's sign-in when a repair ends either way, so its state is
			// the finished setup's again, with whatever the repair changed recorded.
			unset( $record['mode'], $record['finished_state'] );
			$record['status'] = 'done';
		}
		if ( 'done' === $status ) {
			if ( is_array( $response['verification'] ?? null ) ) {
				$this->verifier->store( $response['verification'], 'repair' );
			}
			$public['repaired'] = true;
			$public['changes']  = array_values( array_filter( (array) ( $response['changes'] ?? array() ), 'is_array' ) );
		}
		return $this->save( $record, $base, $public );
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
	 * After the connection is saved: asks the engine for a state without the secret
	 * (`forget_secret`) and keeps that. An engine without the action (`invalid_action`), or any other
	 * answer, makes the plugin drop the state instead, keeping the record of the created ids.
	 *
	 * @param array  $request The request of the step that finished.
	 * @param array  $record  The run (its `state` is replaced or dropped).
	 * @param int    $user_id User.
	 * @param string $source  Source.
	 * @return array[] Notices of that answer.
	 */
	private function forget_secret( array $request, array &$record, int $user_id, string $source ): array {
		$request['action'] = 'forget_secret';
		$request['state']  = $record['state'];
		// The engine removes this site's older secrets now that the new one is saved; out of time it
		// answers `in_progress`, and the next call continues.
		for ( $i = 0; $i < 3; $i++ ) {
			try {
				$response = $this->call( $request, $user_id, $source );
			} catch ( \Throwable $e ) {
				$response = array();
			}
			if ( 'in_progress' !== ( $response['status'] ?? '' ) || ! is_string( $response['state'] ?? null ) ) {
				break;
			}
			$request['state'] = $response['state'];
		}
		$connection = is_array( $response['connection'] ?? null ) ? $response['connection'] : array();
		if ( 'done' === ( $response['status'] ?? '' ) && is_string( $response['state'] ?? null ) && '' === (string) ( $connection['client_secret'] ?? '' ) ) {
			$record['state']            = $response['state'];
			$record['secret_forgotten'] = 'engine';
		} else {
			$record['state']            = null;
			$record['secret_forgotten'] = 'dropped';
		}
		return self::notices( $response );
	}

	/**
	 * Stores the run unless it moved on meanwhile; then the result is discarded.
	 *
	 * @param array $record Run.
	 * @param int   $base   The `seq` the step started from.
	 * @param array $public Result to answer.
	 */
	private function save( array $record, int $base, array $public ): array {
		if ( ! $this->store->put( $record, $base ) ) {
			return $this->stale( $base );
		}
		return $public;
	}

	/**
	 * A stale writer's answer; logged without secrets.
	 *
	 * @param int $base The `seq` the step started from.
	 */
	private function stale( int $base ): array {
		// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- operators need to see it.
		error_log( sprintf( 'wpcrm-connect: a provisioning step started from run #%d, which changed meanwhile (now #%d); its result was discarded.', $base, $this->store->seq() ) );
		return self::busy();
	}

	/**
	 * Scalar `*_id` values of a connection (never the secret).
	 *
	 * @param array $connection Connection.
	 * @return array<string,string>
	 */
	private static function ids( array $connection ): array {
		$ids = array();
		foreach ( $connection as $key => $value ) {
			if ( is_scalar( $value ) && 'client_secret' !== $key && preg_match( '/_id$/', (string) $key ) ) {
				$ids[ $key ] = (string) $value;
			}
		}
		return $ids;
	}

	/**
	 * The user as recorded in the run.
	 *
	 * @param int $user_id User.
	 * @return array{id:int,login:string}
	 */
	private static function who( int $user_id ): array {
		$user = $user_id > 0 ? get_userdata( $user_id ) : false;
		return array(
			'id'    => $user_id,
			'login' => $user ? (string) $user->user_login : '',
		);
	}

	/**
	 * The engine's `notices` (code, message), plain text, for the other flows (Renewal).
	 *
	 * @param array $response Response.
	 * @return array[]
	 */
	public static function engine_notices( array $response ): array {
		return self::notices( $response );
	}

	/**
	 * The engine's `notices` (code, message), plain text.
	 *
	 * @param array $response Response.
	 * @return array[]
	 */
	private static function notices( array $response ): array {
		$out = array();
		foreach ( (array) ( $response['notices'] ?? array() ) as $notice ) {
			$notice = is_array( $notice ) ? Messages::localize_error( $notice ) : $notice;
			if ( is_array( $notice ) && isset( $notice['message'] ) && is_scalar( $notice['message'] ) ) {
				$out[] = array(
					'code'    => sanitize_key( (string) ( $notice['code'] ?? '' ) ),
					'message' => sanitize_text_field( (string) $notice['message'] ),
				);
			}
		}
		return $out;
	}

	/**
	 * The site's run for the page, `/status` and `wp wpcrm status`, without the state.
	 *
	 * @return array|null status, updated_at, application_id, can_rollback, started_by, moved_by (logins).
	 */
	public function current(): ?array {
		$record = $this->store->get();
		if ( null === $record ) {
			return null;
		}
		return array(
			'status'         => (string) ( $record['status'] ?? '' ),
			'updated_at'     => (int) ( $record['updated_at'] ?? 0 ),
			'application_id' => (string) ( $record['application_id'] ?? '' ),
			'can_rollback'   => ! empty( $record['state'] ) && 'new' !== ( $record['status'] ?? '' ),
			'started_by'     => (string) ( $record['started_by']['login'] ?? '' ),
			'moved_by'       => (string) ( $record['moved_by']['login'] ?? '' ),
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
		$provisioned    = self::ids( $connection );
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
		if ( $this->datapress->plugin_active() && $this->datapress->write( $instance_url, $application_id, $secret ) ) {
			$saved[] = Integrations\DataPress::OPTION;
		}
		return $saved;
	}

	/**
	 * The parts of a response that may leave the server.
	 *
	 * @param array $response Extension response.
	 */
	public static function public_result( array $response ): array {
		$public = array(
			'status' => (string) ( $response['status'] ?? 'failed' ),
			'steps'  => array_map( array( Messages::class, 'localize_step' ), array_values( array_filter( (array) ( $response['steps'] ?? array() ), 'is_array' ) ) ),
		);
		foreach ( array( 'sign_in', 'environments', 'step', 'error', 'verification' ) as $key ) {
			if ( isset( $response[ $key ] ) ) {
				$public[ $key ] = $response[ $key ];
			}
		}
		if ( is_array( $public['error'] ?? null ) ) {
			$public['error'] = Messages::localize_error( $public['error'] );
		}
		if ( is_array( $response['connection'] ?? null ) ) {
			$connection = $response['connection'];
			unset( $connection['client_secret'] );
			$public['connection'] = $connection;
		}
		$notices = self::notices( $response );
		if ( $notices ) {
			$public['notices'] = $notices;
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
