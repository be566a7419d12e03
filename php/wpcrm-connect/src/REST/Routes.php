<?php
/**
 * REST routes under `wpcrm/v1`.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\REST;

use Wpcrm\Connect\Admin\Report_Context;
use Wpcrm\Connect\Admin\Report_View;
use Wpcrm\Connect\Capabilities;
use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Provisioning;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Tables;
use Wpcrm\Connect\Verifier;

/**
 * `GET /status`, `POST /verify`, `POST /provision`. Every route checks a plugin capability (mapped to
 * `manage_options`); cookie-authenticated requests also need the `wp_rest` nonce, which core enforces.
 */
final class Routes {

	public const NAMESPACE = 'wpcrm/v1';

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

	/**
	 * Settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Verifier.
	 *
	 * @var Verifier
	 */
	private $verifier;

	/**
	 * Provisioning.
	 *
	 * @var Provisioning
	 */
	private $provisioning;

	/**
	 * Constructor.
	 *
	 * @param Extension    $extension    Extension.
	 * @param Settings     $settings     Settings.
	 * @param Verifier     $verifier     Verifier.
	 * @param Provisioning $provisioning Provisioning.
	 */
	public function __construct( Extension $extension, Settings $settings, Verifier $verifier, Provisioning $provisioning ) {
		$this->extension    = $extension;
		$this->settings     = $settings;
		$this->verifier     = $verifier;
		$this->provisioning = $provisioning;
	}

	/**
	 * Hooks route registration.
	 */
	public function register(): void {
		add_action( 'rest_api_init', array( $this, 'register_routes' ) );
	}

	/**
	 * Permission callback factory: the user must hold a plugin capability.
	 *
	 * @param string $capability Plugin capability.
	 * @return callable
	 */
	private function can( string $capability ): callable {
		return static function () use ( $capability ) {
			if ( current_user_can( $capability ) ) {
				return true;
			}
			return new \WP_Error(
				'rest_forbidden',
				__( 'Sorry, you are not allowed to manage the Dataverse connection.', 'wpcrm-connect' ),
				array( 'status' => rest_authorization_required_code() )
			);
		};
	}

	/**
	 * Schema of the `tables` argument: text ("lead: read, create" per line) or a list/map.
	 *
	 * @return array
	 */
	private function tables_arg(): array {
		return array(
			'description'       => __( 'Tables the site needs: one "logicalname: kinds" per line, or a list of logical names.', 'wpcrm-connect' ),
			'type'              => array( 'string', 'array', 'object' ),
			'required'          => false,
			'validate_callback' => static function ( $value ) {
				$errors = array();
				Tables::parse( $value, $errors );
				if ( $errors ) {
					return new \WP_Error(
						'rest_invalid_param',
						sprintf(
							/* translators: %s: rejected table entries. */
							__( 'Not a table logical name with access kinds: %s', 'wpcrm-connect' ),
							implode( ', ', $errors )
						)
					);
				}
				return true;
			},
			'sanitize_callback' => static function ( $value ) {
				return Tables::parse( $value );
			},
		);
	}

	/**
	 * The address the browser ended on after the browser sign-in: an http(s) URL, kept byte for
	 * byte (it carries a one-time code and a percent-encoded error description), control characters
	 * removed. It is passed to the engine once and never stored or logged.
	 */
	private function sign_in_response_arg(): array {
		return array(
			'description'       => __( 'The whole address the browser ended on after the browser sign-in (http://localhost/?code=…).', 'wpcrm-connect' ),
			'type'              => 'string',
			'maxLength'         => 8192,
			'validate_callback' => static function ( $value, $request, $param ) {
				$valid = rest_validate_request_arg( $value, $request, $param );
				if ( true !== $valid ) {
					return $valid;
				}
				$scheme = wp_parse_url( trim( (string) $value ), PHP_URL_SCHEME );
				if ( ! in_array( $scheme, array( 'http', 'https' ), true ) ) {
					return new \WP_Error( 'rest_invalid_param', __( 'Paste the whole address from the browser\'s address bar; it starts with http://localhost.', 'wpcrm-connect' ) );
				}
				return true;
			},
			'sanitize_callback' => static function ( $value ) {
				return trim( (string) preg_replace( '/[\x00-\x1F\x7F]/', '', (string) $value ) );
			},
		);
	}

	/**
	 * Fills each argument's defaults so no route forgets a validate or sanitize callback.
	 *
	 * @param array $args Argument schemas.
	 * @return array
	 */
	private static function args( array $args ): array {
		foreach ( $args as $name => $arg ) {
			$args[ $name ] = $arg + array(
				'required'          => false,
				'validate_callback' => 'rest_validate_request_arg',
				'sanitize_callback' => 'rest_sanitize_request_arg',
			);
		}
		return $args;
	}

	/**
	 * Registers the routes.
	 */
	public function register_routes(): void {
		register_rest_route(
			self::NAMESPACE,
			'/status',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'status' ),
				'permission_callback' => $this->can( Capabilities::VIEW ),
				'args'                => array(),
			)
		);

		register_rest_route(
			self::NAMESPACE,
			'/verify',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'verify' ),
				'permission_callback' => $this->can( Capabilities::VERIFY ),
				'args'                => self::args( array(
					'tables'  => $this->tables_arg(),
					'timeout' => array(
						'description' => __( 'Deadline in seconds.', 'wpcrm-connect' ),
						'type'        => 'integer',
						'minimum'     => 1,
						'maximum'     => 60,
						'required'    => false,
					),
				) ),
			)
		);

		register_rest_route(
			self::NAMESPACE,
			'/provision',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'provision' ),
				'permission_callback' => $this->can( Capabilities::SETUP ),
				'args'                => self::args( array(
					'action'               => array(
						'description' => __( 'What to do: start a run, poll it, choose the environment, cancel it, roll it back, or renew the saved connection\'s secret (start or continue).', 'wpcrm-connect' ),
						'type'        => 'string',
						'enum'        => Provisioning::ACTIONS,
						'required'    => true,
					),
					'instance_url'         => array(
						'description'       => __( 'Dataverse environment URL (https).', 'wpcrm-connect' ),
						'type'              => 'string',
						'format'            => 'uri',
						'required'          => false,
						'validate_callback' => static function ( $value, $request, $param ) {
							$valid = rest_validate_request_arg( $value, $request, $param );
							if ( true !== $valid ) {
								return $valid;
							}
							if ( '' !== $value && 'https' !== wp_parse_url( (string) $value, PHP_URL_SCHEME ) ) {
								return new \WP_Error( 'rest_invalid_param', __( 'The instance URL must start with https://.', 'wpcrm-connect' ) );
							}
							return true;
						},
						'sanitize_callback' => static function ( $value ) {
							return '' === $value ? '' : untrailingslashit( esc_url_raw( (string) $value, array( 'https' ) ) );
						},
					),
					'tables'               => $this->tables_arg(),
					'secret_days'          => array(
						'description' => __( 'Lifetime of the client secret, days.', 'wpcrm-connect' ),
						'type'        => 'integer',
						'minimum'     => 1,
						'maximum'     => 730,
						'default'     => Provisioning::DEFAULT_SECRET_DAYS,
					),
					'cloud'                => array(
						'description' => __( 'Microsoft cloud to set up in; empty follows the environment URL (the public cloud without one).', 'wpcrm-connect' ),
						'type'        => 'string',
						'enum'        => Provisioning::CLOUDS,
						'default'     => '',
					),
					'sign_in_method'       => array(
						'description' => __( 'How the administrator signs in: with a device code, or in the browser with the address it ends on pasted back.', 'wpcrm-connect' ),
						'type'        => 'string',
						'enum'        => array( 'device_code', 'browser' ),
					),
					'sign_in_response_url' => $this->sign_in_response_arg(),
				) ),
			)
		);
	}

	/**
	 * Answers that the extension is missing.
	 */
	private function extension_missing(): \WP_Error {
		return new \WP_Error(
			'wpcrm_extension_missing',
			__( 'The wpcrm PHP extension is not loaded. Install it with "make install" and restart PHP.', 'wpcrm-connect' ),
			array( 'status' => 503 )
		);
	}

	/**
	 * `GET /status`.
	 *
	 * @return \WP_REST_Response
	 */
	public function status() {
		$conn = $this->settings->connection();
		$last = $this->verifier->last();
		return rest_ensure_response(
			array(
				'extension'     => array(
					'loaded'  => $this->extension->available(),
					'version' => $this->extension->version(),
				),
				'settings'      => array(
					'instance_url'      => $conn['instance_url'],
					'tenant_id'         => $conn['tenant_id'] ?? '',
					'application_id'    => $conn['application_id'],
					'client_secret'     => $this->settings->secret_state(),
					'secret_expires_at' => $this->settings->secret_expires_at(),
					'tables'            => $this->settings->tables(),
				),
				'last_check'    => null === $last ? null : array(
					'status'     => Verifier::status( $last['report'] ),
					'checked_at' => gmdate( 'c', (int) $last['checked_at'] ),
					'trigger'    => $last['trigger'] ?? '',
				),
				'provisioning'  => $this->provisioning->current(),
			)
		);
	}

	/**
	 * `POST /verify`.
	 *
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function verify( $request ) {
		if ( ! $this->extension->available() ) {
			return $this->extension_missing();
		}
		$tables  = $request->get_param( 'tables' );
		$timeout = $request->get_param( 'timeout' );
		$report  = $this->verifier->run( ! empty( $tables ) ? $tables : null, 'admin', null === $timeout ? null : (int) $timeout );
		$last    = $this->verifier->last();
		return rest_ensure_response(
			array(
				'report' => $report,
				'html'   => Report_Context::render( $last, $this->settings->connection() ) . Report_View::render( $report, null === $last ? null : (int) $last['checked_at'] ),
			)
		);
	}

	/**
	 * `POST /provision`.
	 *
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function provision( $request ) {
		$action = (string) $request->get_param( 'action' );
		if ( 'choose_environment' === $action && '' === (string) $request->get_param( 'instance_url' ) ) {
			return new \WP_Error( 'rest_missing_callback_param', __( 'Choose an environment: instance_url is required.', 'wpcrm-connect' ), array( 'status' => 400, 'params' => array( 'instance_url' ) ) );
		}
		if ( ! $this->extension->available() ) {
			return $this->extension_missing();
		}
		$result = $this->provisioning->step(
			get_current_user_id(),
			$action,
			array(
				'instance_url'         => (string) $request->get_param( 'instance_url' ),
				'tables'               => $request->get_param( 'tables' ),
				'secret_days'          => (int) $request->get_param( 'secret_days' ),
				'cloud'                => (string) $request->get_param( 'cloud' ),
				'sign_in_method'       => (string) $request->get_param( 'sign_in_method' ),
				'sign_in_response_url' => (string) $request->get_param( 'sign_in_response_url' ),
				// The page's own calls carry the cookie nonce; anything else is an API client.
				'source'               => '' !== (string) $request->get_header( 'X-WP-Nonce' ) || ! empty( $request->get_param( '_wpnonce' ) ) ? 'browser' : 'rest',
				// Cancel waits for a poll in flight to finish (a poll holds the lock for its engine call).
				'lock_wait'            => 'cancel' === $action ? 15 : 0,
			)
		);
		if ( 'busy' === $result['status'] ) {
			return new \WP_Error( 'wpcrm_busy', $result['error']['message'], array( 'status' => 409 ) );
		}
		// The secret stays on the server: it is already saved (encrypted).
		unset( $result['secret'] );
		if ( isset( $result['verification'] ) && is_array( $result['verification'] ) ) {
			$result['verification_html'] = Report_View::render( $result['verification'] );
		}
		return rest_ensure_response( $result );
	}
}
