<?php
/**
 * Authenticated encryption of secrets at rest (libsodium secretbox).
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Seals and opens strings with a key derived from `WPCRM_CONNECT_KEY`, else the site's
 * `AUTH_KEY` and `SECURE_AUTH_SALT`. Fails closed: anything that does not open is null.
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
	 * @return string `sb1:` + base64(nonce . ciphertext).
	 */
	public function seal( string $plain ): string {
		$key   = $this->key();
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$box   = sodium_crypto_secretbox( $plain, $nonce, $key );
		sodium_memzero( $key );
		return self::PREFIX . base64_encode( $nonce . $box ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
	}

	/**
	 * Decrypts a sealed string.
	 *
	 * @param mixed $sealed Value from storage.
	 * @return string|null Plain text, or null when it is missing, malformed or does not authenticate.
	 */
	public function open( $sealed ): ?string {
		if ( ! is_string( $sealed ) || 0 !== strpos( $sealed, self::PREFIX ) ) {
			return null;
		}
		$raw = base64_decode( substr( $sealed, strlen( self::PREFIX ) ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES + SODIUM_CRYPTO_SECRETBOX_MACBYTES ) {
			return null;
		}
		$key   = $this->key();
		$plain = sodium_crypto_secretbox_open(
			substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
			substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
			$key
		);
		sodium_memzero( $key );
		return false === $plain ? null : $plain;
	}

	/**
	 * True when the key comes from the dedicated `WPCRM_CONNECT_KEY` constant.
	 */
	public static function uses_dedicated_key(): bool {
		return defined( 'WPCRM_CONNECT_KEY' ) && is_string( WPCRM_CONNECT_KEY ) && '' !== WPCRM_CONNECT_KEY;
	}

	/**
	 * The 32-byte secretbox key.
	 */
	private function key(): string {
		if ( null !== $this->material ) {
			$material = $this->material;
		} elseif ( self::uses_dedicated_key() ) {
			$material = (string) WPCRM_CONNECT_KEY;
		} else {
			$material = self::site_material( ( defined( 'AUTH_KEY' ) ? (string) AUTH_KEY : '' ) . ( defined( 'SECURE_AUTH_SALT' ) ? (string) SECURE_AUTH_SALT : '' ) );
		}
		return sodium_crypto_generichash( 'wpcrm-connect-secret|' . $material, '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
	}

	/**
	 * Key material from wp-config.php's salts, unless they are missing or still WordPress's
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
