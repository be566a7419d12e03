<?php
/**
 * The plugin's own connection settings, with the client secret sealed at rest.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Reads and writes the `wpcrm_connect_settings` option. Callers never see ciphertext: they give
 * and get the plain secret, or a description of it for display.
 *
 * Stored shape: instance_url, tenant_id, application_id, client_secret_sealed, tables (map),
 * secret_expires_at, provisioned (ids of what provisioning created), updated_at.
 */
final class Settings {

	public const OPTION = 'wpcrm_connect_settings';
	public const GROUP  = 'wpcrm_connect';

	/** wp-config.php constant that overrides the stored secret. */
	public const SECRET_CONSTANT = 'WPCRM_CONNECT_CLIENT_SECRET';

	/**
	 * Seals the secret.
	 *
	 * @var Crypto
	 */
	private $crypto;

	/**
	 * Constructor.
	 *
	 * @param Crypto $crypto Encryption.
	 */
	public function __construct( Crypto $crypto ) {
		$this->crypto = $crypto;
	}

	/**
	 * Registers the setting with the Settings API; the sanitize callback also runs for update_option().
	 */
	public function register(): void {
		register_setting(
			self::GROUP,
			self::OPTION,
			array(
				'type'              => 'object',
				'sanitize_callback' => array( $this, 'sanitize' ),
				'show_in_rest'      => false,
				'default'           => array(),
			)
		);
	}

	/**
	 * The stored option, always an array.
	 *
	 * @return array
	 */
	public function stored(): array {
		$value = get_option( self::OPTION, array() );
		return is_array( $value ) ? $value : array();
	}

	/**
	 * Connection values for the extension (secret in plain text, or '' when not set/undecryptable).
	 *
	 * @return array{instance_url:string,tenant_id:string,application_id:string,client_secret:string}
	 */
	public function connection(): array {
		$stored = $this->stored();
		$conn   = array(
			'instance_url'   => (string) ( $stored['instance_url'] ?? '' ),
			'application_id' => (string) ( $stored['application_id'] ?? '' ),
			'client_secret'  => (string) $this->secret(),
		);
		if ( ! empty( $stored['tenant_id'] ) ) {
			$conn['tenant_id'] = (string) $stored['tenant_id'];
		}
		return $conn;
	}

	/**
	 * Tables the site needs.
	 *
	 * @return array<string,string[]>
	 */
	public function tables(): array {
		$stored = $this->stored();
		return ! empty( $stored['tables'] ) && is_array( $stored['tables'] ) ? $stored['tables'] : Tables::DEFAULT;
	}

	/**
	 * When the client secret expires (ISO 8601), when known.
	 */
	public function secret_expires_at(): ?string {
		$stored = $this->stored();
		return ! empty( $stored['secret_expires_at'] ) ? (string) $stored['secret_expires_at'] : null;
	}

	/**
	 * The plain client secret: from the constant, else decrypted from storage; null when not set
	 * or when it cannot be decrypted (fail closed).
	 */
	public function secret(): ?string {
		if ( $this->secret_from_constant() ) {
			return (string) constant( self::SECRET_CONSTANT );
		}
		$stored = $this->stored();
		if ( empty( $stored['client_secret_sealed'] ) ) {
			return null;
		}
		return $this->open_sealed( $stored['client_secret_sealed'] );
	}

	/**
	 * Opens the stored sealed secret. One sealed by an earlier version under the salt-derived key is
	 * opened once and re-sealed under the plugin's own key (the old ciphertext is overwritten).
	 *
	 * @param mixed $sealed Stored value.
	 */
	private function open_sealed( $sealed ): ?string {
		$legacy = false;
		$plain  = $this->crypto->open( $sealed, $legacy );
		if ( null !== $plain && $legacy && $this->crypto->can_seal() ) {
			$this->save( array( 'client_secret' => $plain ) );
		}
		return $plain;
	}

	/**
	 * True when wp-config.php defines the secret.
	 */
	public function secret_from_constant(): bool {
		return defined( self::SECRET_CONSTANT ) && is_string( constant( self::SECRET_CONSTANT ) ) && '' !== constant( self::SECRET_CONSTANT );
	}

	/**
	 * Where the secret stands: 'constant', 'set', 'undecryptable' or 'missing'.
	 */
	public function secret_state(): string {
		if ( $this->secret_from_constant() ) {
			return 'constant';
		}
		$stored = $this->stored();
		if ( empty( $stored['client_secret_sealed'] ) ) {
			return 'missing';
		}
		return null === $this->open_sealed( $stored['client_secret_sealed'] ) ? 'undecryptable' : 'set';
	}

	/**
	 * The last three characters of the secret, for "set, ends with …" (never more).
	 */
	public function secret_hint(): ?string {
		$secret = $this->secret();
		if ( null === $secret || strlen( $secret ) < 12 ) {
			return null;
		}
		return substr( $secret, -3 );
	}

	/**
	 * True when instance URL, application id and a usable secret are present.
	 */
	public function is_complete(): bool {
		$conn = $this->connection();
		return '' !== $conn['instance_url'] && '' !== $conn['application_id'] && '' !== $conn['client_secret'];
	}

	/**
	 * Saves values given in input shape (plain `client_secret`, `tables` as text or map). Keys not
	 * given keep their stored value.
	 *
	 * @param array $values Input-shaped values.
	 */
	public function save( array $values ): bool {
		return update_option( self::OPTION, array_merge( $this->input_from_stored(), $values ) );
	}

	/**
	 * Forgets the connection values (after a rollback), keeping the tables.
	 */
	public function clear_connection(): void {
		$stored = $this->stored();
		update_option(
			self::OPTION,
			array(
				'instance_url'   => '',
				'tenant_id'      => '',
				'application_id' => '',
				'tables'         => $stored['tables'] ?? array(),
				'clear_secret'   => true,
				'provisioned'    => array(),
			)
		);
	}

	/**
	 * Sanitizes input-shaped values into the stored shape; also the Settings API callback.
	 *
	 * Input keys: instance_url, tenant_id, application_id, client_secret (plain; empty keeps the stored one),
	 * clear_secret, tables, secret_expires_at, provisioned. A `client_secret_sealed` is kept only when it opens
	 * with this site's key (WordPress runs this callback twice when the option is first added).
	 *
	 * @param mixed $input Submitted values.
	 * @return array Stored shape.
	 */
	public function sanitize( $input ): array {
		$input   = is_array( $input ) ? $input : array();
		$current = $this->stored();
		$out     = array();

		$out['instance_url']   = isset( $input['instance_url'] ) ? $this->sanitize_url( $input['instance_url'] ) : (string) ( $current['instance_url'] ?? '' );
		$out['tenant_id']      = isset( $input['tenant_id'] ) ? $this->sanitize_tenant( $input['tenant_id'] ) : (string) ( $current['tenant_id'] ?? '' );
		$out['application_id'] = isset( $input['application_id'] ) ? $this->sanitize_guid( $input['application_id'], 'application_id' ) : (string) ( $current['application_id'] ?? '' );

		if ( array_key_exists( 'tables', $input ) ) {
			$errors        = array();
			$out['tables'] = Tables::parse( $input['tables'], $errors );
			if ( $errors ) {
				$this->error(
					'tables',
					sprintf(
						/* translators: %s: the table entries that were ignored, comma separated. */
						__( 'Ignored table entries that are not a logical name with access kinds (read, create, write, delete, append, appendto): %s', 'wpcrm-connect' ),
						implode( ', ', $errors )
					)
				);
			}
		} else {
			$out['tables'] = is_array( $current['tables'] ?? null ) ? $current['tables'] : array();
		}

		$plain = isset( $input['client_secret'] ) && is_string( $input['client_secret'] ) ? trim( $input['client_secret'] ) : '';
		$sealed = '' !== $plain ? $this->crypto->seal( $plain ) : '';
		if ( '' !== $plain && '' === $sealed ) {
			// No key to seal with: the secret is not stored (never in plain text).
			$this->error( 'client_secret', (string) Key::problem() );
		}
		if ( '' !== $sealed ) {
			$out['client_secret_sealed'] = $sealed;
			$out['secret_expires_at']    = isset( $input['secret_expires_at'] ) ? $this->sanitize_date( $input['secret_expires_at'] ) : '';
		} elseif ( ! empty( $input['clear_secret'] ) ) {
			$out['client_secret_sealed'] = '';
			$out['secret_expires_at']    = '';
		} elseif ( isset( $input['client_secret_sealed'] ) && null !== $this->crypto->open( $input['client_secret_sealed'] ) ) {
			$out['client_secret_sealed'] = (string) $input['client_secret_sealed'];
			$out['secret_expires_at']    = isset( $input['secret_expires_at'] ) ? $this->sanitize_date( $input['secret_expires_at'] ) : '';
		} else {
			$out['client_secret_sealed'] = (string) ( $current['client_secret_sealed'] ?? '' );
			$out['secret_expires_at']    = isset( $input['secret_expires_at'] ) ? $this->sanitize_date( $input['secret_expires_at'] ) : (string) ( $current['secret_expires_at'] ?? '' );
		}

		$provisioned        = $input['provisioned'] ?? ( $current['provisioned'] ?? array() );
		$out['provisioned'] = is_array( $provisioned ) ? array_map( 'sanitize_text_field', array_filter( $provisioned, 'is_scalar' ) ) : array();
		$out['updated_at']  = time();
		return $out;
	}

	/**
	 * The stored values in input shape, so save() can merge.
	 *
	 * @return array
	 */
	private function input_from_stored(): array {
		$stored = $this->stored();
		unset( $stored['updated_at'] );
		return $stored;
	}

	/**
	 * Sanitizes the instance URL: https only, then normalized (see normalize_instance_url()); says so on the
	 * settings screen when it changed more than a trailing slash.
	 *
	 * @param mixed $value Raw.
	 */
	private function sanitize_url( $value ): string {
		$value = trim( (string) $value );
		if ( '' === $value ) {
			return '';
		}
		$url = esc_url_raw( $value, array( 'https' ) );
		if ( '' === $url || null === self::normalize_instance_url( $url ) ) {
			$this->error( 'instance_url', __( 'The instance URL must start with https://, for example https://contoso.crm.dynamics.com.', 'wpcrm-connect' ) );
			return '';
		}
		$normalized = (string) self::normalize_instance_url( $url );
		if ( untrailingslashit( $url ) !== $normalized ) {
			$this->error(
				'instance_url_normalized',
				sprintf(
					/* translators: 1: the URL as entered, 2: the URL saved. */
					__( 'The instance URL %1$s was saved as %2$s: the connection needs only the address of the environment, not the page of the app it was copied from.', 'wpcrm-connect' ),
					esc_html( $value ),
					esc_html( $normalized )
				),
				'info'
			);
		}
		return $normalized;
	}

	/**
	 * The environment's address from a URL copied from the browser: https, the host in lower case, the
	 * port if any, no path, query or fragment (`https://org.crm.dynamics.com/main.aspx?appid=…` →
	 * `https://org.crm.dynamics.com`). Under the sandbox origin (`wpcrm.sandbox_url`) the first path
	 * segment names the environment and is kept, as the engine does (DESIGN.md, "Sandbox URL layout").
	 * Null when it is not an https URL with a host.
	 *
	 * @param string $url URL.
	 */
	public static function normalize_instance_url( string $url ): ?string {
		$parts = wp_parse_url( trim( $url ) );
		if ( ! is_array( $parts ) || 'https' !== strtolower( (string) ( $parts['scheme'] ?? '' ) ) || empty( $parts['host'] ) ) {
			return null;
		}
		$origin  = 'https://' . strtolower( $parts['host'] ) . ( isset( $parts['port'] ) ? ':' . (int) $parts['port'] : '' );
		$sandbox = untrailingslashit( strtolower( (string) ini_get( 'wpcrm.sandbox_url' ) ) );
		if ( '' !== $sandbox && $origin === $sandbox ) {
			$segments = array_values( array_filter( explode( '/', (string) ( $parts['path'] ?? '' ) ), 'strlen' ) );
			return $segments ? $origin . '/' . $segments[0] : $origin;
		}
		return $origin;
	}

	/**
	 * Sanitizes the tenant: a GUID or a domain name, or empty.
	 *
	 * @param mixed $value Raw.
	 */
	private function sanitize_tenant( $value ): string {
		$value = strtolower( trim( (string) $value ) );
		if ( '' === $value || self::is_guid( $value ) || preg_match( '/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/', $value ) ) {
			return $value;
		}
		$this->error( 'tenant_id', __( 'The tenant must be a directory (tenant) ID or a domain such as contoso.onmicrosoft.com; it was left empty.', 'wpcrm-connect' ) );
		return '';
	}

	/**
	 * Sanitizes a GUID.
	 *
	 * @param mixed  $value Raw.
	 * @param string $field Field for the error.
	 */
	private function sanitize_guid( $value, string $field ): string {
		$value = strtolower( trim( (string) $value ) );
		if ( '' === $value || self::is_guid( $value ) ) {
			return $value;
		}
		$this->error( $field, __( 'The application (client) ID must be a GUID such as 11111111-2222-3333-4444-555555555555.', 'wpcrm-connect' ) );
		return '';
	}

	/**
	 * Sanitizes an ISO 8601 date.
	 *
	 * @param mixed $value Raw.
	 */
	private function sanitize_date( $value ): string {
		$value = trim( (string) $value );
		return ( '' !== $value && false !== strtotime( $value ) ) ? $value : '';
	}

	/**
	 * True for a GUID.
	 *
	 * @param string $value Value.
	 */
	public static function is_guid( string $value ): bool {
		return (bool) preg_match( '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i', $value );
	}

	/**
	 * Reports a settings error on the settings screen (no-op elsewhere).
	 *
	 * @param string $code    Field.
	 * @param string $message Translated message (HTML: settings_errors() prints it as is).
	 * @param string $type    error, warning, success or info.
	 */
	private function error( string $code, string $message, string $type = 'error' ): void {
		if ( function_exists( 'add_settings_error' ) ) {
			add_settings_error( self::OPTION, 'wpcrm_' . $code, $message, $type );
		}
	}
}
