<?php
/**
 * Authenticated encryption of secrets at rest (libsodium secretbox).
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Seals and opens strings with a key derived from the plugin's own key (Key: `WPCRM_CONNECT_KEY`, else
 * the key file outside the database). Fails closed: anything that does not open is null.
 *
 * Values sealed by earlier versions (key derived from `WPCRM_CONNECT_KEY`, else `AUTH_KEY` and
 * `SECURE_AUTH_SALT`) still open, read-only: open() reports it so that the caller re-seals them.
 */
final class Crypto {

	/** Prefix of sealed values, so the format can change later. */
	private const PREFIX = 'sb1:';

	/**
	 * Key material override (tests); null means the site's constants.
	 *
	 * @var string|null
	 */
	private $material;

	/**
	 * Constructor.
	 *
	 * @param string|null $material Key material; null derives it from wp-config.php constants.
	 */
	public function __construct( ?string $material = null ) {
		$this->material = $material;
	}

	/**
	 * Encrypts a string.
	 *
	 * @param string $plain Plain text.
	 * @return string `sb1:` + base64(nonce . ciphertext), or '' when there is no key (Key::problem()).
	 */
	public function seal( string $plain ): string {
		$key = $this->key();
		if ( null === $key ) {
			return '';
		}
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$box   = sodium_crypto_secretbox( $plain, $nonce, $key );
		sodium_memzero( $key );
		return self::PREFIX . base64_encode( $nonce . $box ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
	}

	/**
	 * Decrypts a sealed string.
	 *
	 * @param mixed     $sealed Value from storage.
	 * @param bool|null $legacy Set to true when it opened only with the earlier, salt-derived key.
	 * @return string|null Plain text, or null when it is missing, malformed or does not authenticate.
	 */
	public function open( $sealed, ?bool &$legacy = null ): ?string {
		$legacy = false;
		if ( ! is_string( $sealed ) || 0 !== strpos( $sealed, self::PREFIX ) ) {
			return null;
		}
		$raw = base64_decode( substr( $sealed, strlen( self::PREFIX ) ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES + SODIUM_CRYPTO_SECRETBOX_MACBYTES ) {
			return null;
		}
		$keys = array( $this->key() );
		if ( null === $this->material ) {
			$keys[] = self::legacy_key();
		}
		foreach ( $keys as $index => $key ) {
			if ( null === $key ) {
				continue;
			}
			$plain = sodium_crypto_secretbox_open(
				substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
				substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
				$key
			);
			sodium_memzero( $key );
			if ( false !== $plain ) {
				$legacy = $index > 0;
				return $plain;
			}
		}
		return null;
	}

	/**
	 * True when there is a key to seal with.
	 */
	public function can_seal(): bool {
		return null !== $this->material || null !== Key::material();
	}

	/**
	 * True when the key comes from the dedicated `WPCRM_CONNECT_KEY` constant.
	 */
	public static function uses_dedicated_key(): bool {
		return defined( 'WPCRM_CONNECT_KEY' ) && is_string( WPCRM_CONNECT_KEY ) && '' !== WPCRM_CONNECT_KEY;
	}

	/**
	 * The 32-byte secretbox key, or null when the plugin has no key.
	 */
	private function key(): ?string {
		return Key::derive( 'secretbox', $this->material );
	}

	/**
	 * The key of earlier versions (read-only fallback): derived from `WPCRM_CONNECT_KEY`, else from the
	 * salts. Never used to seal.
	 */
	private static function legacy_key(): string {
		if ( self::uses_dedicated_key() ) {
			$material = (string) WPCRM_CONNECT_KEY;
		} else {
			$material = self::site_material( ( defined( 'AUTH_KEY' ) ? (string) AUTH_KEY : '' ) . ( defined( 'SECURE_AUTH_SALT' ) ? (string) SECURE_AUTH_SALT : '' ) );
		}
		return sodium_crypto_generichash( 'wpcrm-connect-secret|' . $material, '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
	}

	/**
	 * Earlier versions' key material from wp-config.php's salts, unless they are missing or still WordPress's
	 * placeholder: a key derived from those would be one anyone can compute. Then WordPress's own
	 * fallback is used, random values that `wp_salt()` keeps in the options table.
	 *
	 * @param string $constants AUTH_KEY . SECURE_AUTH_SALT as defined (empty when undefined).
	 */
	public static function site_material( string $constants ): string {
		if ( '' === trim( $constants ) || false !== stripos( $constants, 'put your unique phrase here' ) ) {
			return wp_salt( 'secure_auth' );
		}
		return $constants;
	}
}
