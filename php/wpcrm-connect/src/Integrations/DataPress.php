<?php
/**
 * Fills the connection of DataPress ("Dataverse Integration", WordPress.org slug `integration-cds`).
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Integrations;

use Wpcrm\Connect\Admin\Panel;
use Wpcrm\Connect\Capabilities;

/**
 * What DataPress reads (../shared/reference/wordpress-plugins.md §2): the option `icds_connection`, a
 * JSON document with the organization URL, "ignore SSL errors", the deployment type (online) and the
 * authentication method `s2s-secret` with the application id and the client secret. Only the secret is
 * encrypted: AES-256-CBC, stored as `base64(iv):ciphertext`, the key being the `ICDS_AUTH_KEY` constant
 * (32 characters or more) or else the first 32 characters of `AUTH_KEY`. No filter of DataPress that
 * would encrypt on save is documented (unlike the legacy plugin's), so this class encrypts; with no usable
 * key it writes nothing (the secret is never stored in plain text).
 *
 * The field names of the JSON document are not in the reference; those below (`instanceURI`,
 * `skipCertificateVerification`, `deploymentType`, `authenticationType`, `applicationId`,
 * `clientSecret`) are the ones the test stand-in (tests/wordpress/fixtures/integration-cds) reads, kept in
 * FIELDS so that one place changes if DataPress names them otherwise. Keys it does not know are kept.
 *
 * Its settings screen is an application of its own (its page loads and exits), with no hook to render
 * into, so the panel appears as a page of DataPress's "Dataverse" menu instead.
 */
final class DataPress {

	public const OPTION      = 'icds_connection';
	public const PLUGIN_SLUG = 'integration-cds';
	/** DataPress's top-level admin menu. */
	public const MENU_SLUG = 'integration-cds';
	/** Our page under it. */
	public const PAGE_SLUG = 'wpcrm-connect-datapress';

	/** Field names in the JSON document. */
	public const FIELDS = array(
		'url'         => 'instanceURI',
		'ignore_ssl'  => 'skipCertificateVerification',
		'deployment'  => 'deploymentType',
		'auth'        => 'authenticationType',
		'application' => 'applicationId',
		'secret'      => 'clientSecret',
	);

	private const CIPHER = 'aes-256-cbc';

	/**
	 * The panel shown on our page under DataPress's menu.
	 *
	 * @var Panel|null
	 */
	private $panel;

	/**
	 * Gives the encryption key (see key()); replaceable in tests.
	 *
	 * @var callable
	 */
	private $key;

	/**
	 * Constructor.
	 *
	 * @param Panel|null    $panel The panel (null where no admin page is needed).
	 * @param callable|null $key   Returns the 32-byte key or null; defaults to self::key().
	 */
	public function __construct( ?Panel $panel = null, ?callable $key = null ) {
		$this->panel = $panel;
		$this->key   = $key ?? array( self::class, 'key' );
	}

	/**
	 * Hooks the page under DataPress's menu when DataPress is active.
	 */
	public function register(): void {
		// After DataPress adds its own menu (priority 10).
		add_action( 'admin_menu', array( $this, 'add_page' ), 20 );
	}

	/**
	 * Adds "Set up automatically" to DataPress's "Dataverse" menu.
	 */
	public function add_page(): void {
		if ( null === $this->panel || ! $this->plugin_active() ) {
			return;
		}
		add_submenu_page(
			self::MENU_SLUG,
			__( 'Set up the Dataverse connection automatically', 'wpcrm-connect' ),
			__( 'Set up automatically', 'wpcrm-connect' ),
			Capabilities::SETUP,
			self::PAGE_SLUG,
			array( $this, 'render' )
		);
	}

	/**
	 * The page: the panel, which fills DataPress's connection when setup finishes.
	 */
	public function render(): void {
		if ( null === $this->panel || ! current_user_can( Capabilities::SETUP ) ) {
			return;
		}
		echo '<div class="wrap" id="wpcrm-datapress-page"><h1>' . esc_html__( 'Set up the Dataverse connection automatically', 'wpcrm-connect' ) . '</h1>';
		echo '<p class="description">' . esc_html__( 'When setup finishes, DataPress\'s connection (organization URL, application ID and client secret) is filled in as well.', 'wpcrm-connect' ) . '</p>';
		$this->panel->render();
		echo '</div>';
	}

	/**
	 * True when DataPress is active on this site or network-wide. Filterable through
	 * `wpcrm_connect_datapress_active`.
	 */
	public function plugin_active(): bool {
		$plugins = (array) get_option( 'active_plugins', array() );
		if ( is_multisite() ) {
			$plugins = array_merge( $plugins, array_keys( (array) get_site_option( 'active_sitewide_plugins', array() ) ) );
		}
		$active = false;
		foreach ( $plugins as $plugin ) {
			if ( is_string( $plugin ) && 0 === strpos( $plugin, self::PLUGIN_SLUG . '/' ) ) {
				$active = true;
				break;
			}
		}
		/**
		 * Filters whether DataPress counts as active.
		 *
		 * @param bool $active Detected from the active plugins.
		 */
		return (bool) apply_filters( 'wpcrm_connect_datapress_active', $active );
	}

	/**
	 * The 32-byte key DataPress encrypts with: ICDS_AUTH_KEY when it has 32 characters or more, else the
	 * first 32 characters of AUTH_KEY; null when neither qualifies.
	 *
	 * @param string|null $icds_auth_key ICDS_AUTH_KEY, if defined.
	 * @param string|null $auth_key      AUTH_KEY, if defined.
	 */
	public static function key_from( ?string $icds_auth_key, ?string $auth_key ): ?string {
		foreach ( array( $icds_auth_key, $auth_key ) as $candidate ) {
			if ( null !== $candidate && strlen( $candidate ) >= 32 ) {
				return substr( $candidate, 0, 32 );
			}
		}
		return null;
	}

	/**
	 * The key of this site (see key_from()).
	 */
	public static function key(): ?string {
		return self::key_from(
			defined( 'ICDS_AUTH_KEY' ) ? (string) constant( 'ICDS_AUTH_KEY' ) : null,
			defined( 'AUTH_KEY' ) ? (string) AUTH_KEY : null
		);
	}

	/**
	 * `base64(iv):ciphertext` (the ciphertext as openssl_encrypt() returns it, base64), or null when
	 * OpenSSL cannot encrypt (nothing is then written).
	 *
	 * @param string $plain Secret.
	 * @param string $key   32-byte key.
	 */
	public static function encrypt( string $plain, string $key ): ?string {
		$iv     = random_bytes( (int) openssl_cipher_iv_length( self::CIPHER ) );
		$sealed = openssl_encrypt( $plain, self::CIPHER, $key, 0, $iv );
		if ( false === $sealed ) {
			return null;
		}
		return base64_encode( $iv ) . ':' . $sealed; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- the stored format.
	}

	/**
	 * The stored document as an array (empty when absent or not JSON).
	 *
	 * @return array
	 */
	public function stored(): array {
		$raw = get_option( self::OPTION, '' );
		if ( is_array( $raw ) ) {
			return $raw;
		}
		$decoded = is_string( $raw ) && '' !== $raw ? json_decode( $raw, true ) : null;
		return is_array( $decoded ) ? $decoded : array();
	}

	/**
	 * Writes the S2S connection with a client secret, keeping every other key of the document.
	 *
	 * @param string $instance_url   Organization URL.
	 * @param string $application_id Application (client) id.
	 * @param string $client_secret  Secret value.
	 * @return bool Whether it was written (false without a usable key, or when encryption failed).
	 */
	public function write( string $instance_url, string $application_id, string $client_secret ): bool {
		$key    = ( $this->key )();
		$sealed = null === $key ? null : self::encrypt( $client_secret, $key );
		if ( null === $sealed ) {
			return false;
		}
		$doc                                  = $this->stored();
		$doc[ self::FIELDS['url'] ]           = $instance_url;
		$doc[ self::FIELDS['ignore_ssl'] ]    = false;
		$doc[ self::FIELDS['deployment'] ]    = 'online';
		$doc[ self::FIELDS['auth'] ]          = 's2s-secret';
		$doc[ self::FIELDS['application'] ]   = $application_id;
		$doc[ self::FIELDS['secret'] ]        = $sealed;
		update_option( self::OPTION, (string) wp_json_encode( $doc, JSON_UNESCAPED_SLASHES ) );
		return true;
	}

	/**
	 * Empties the application id and secret if they are the ones provisioning wrote (after a rollback).
	 *
	 * @param string $application_id The rolled back application id.
	 */
	public function forget( string $application_id ): void {
		$doc = $this->stored();
		if ( '' === $application_id || ( $doc[ self::FIELDS['application'] ] ?? '' ) !== $application_id ) {
			return;
		}
		$doc[ self::FIELDS['application'] ] = '';
		$doc[ self::FIELDS['secret'] ]      = '';
		update_option( self::OPTION, (string) wp_json_encode( $doc, JSON_UNESCAPED_SLASHES ) );
	}
}
