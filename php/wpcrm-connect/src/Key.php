<?php
/**
 * The plugin's own key: the root of the key that seals the client secret and of the provisioning
 * state key. Kept outside the database.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * `WPCRM_CONNECT_KEY` from wp-config.php when defined; otherwise 32 random bytes the plugin creates
 * once in `wp-content/wpcrm-connect-key.php` (mode 0600, a PHP file that outputs nothing when
 * requested over HTTP). Never derived from the salts: WordPress keeps placeholder salts' stand-ins in
 * the options table, so a database dump would be enough to open what they seal.
 */
final class Key {

	/** wp-config.php constant that supplies the key. */
	public const CONSTANT = 'WPCRM_CONNECT_KEY';

	/** File name of the generated key, in WP_CONTENT_DIR. */
	public const FILE = 'wpcrm-connect-key.php';

	/** Marker in front of the base64 key inside the file. */
	private const MARKER = 'wpcrm-connect-key:';

	/**
	 * The material of this request (memoized); false when not loaded yet.
	 *
	 * @var string|null|false
	 */
	private static $material = false;

	/**
	 * The key material, or null when there is none and none could be created (then nothing may be
	 * sealed: see problem()).
	 */
	public static function material(): ?string {
		if ( false === self::$material ) {
			self::$material = self::load();
		}
		return self::$material;
	}

	/**
	 * A 32-byte key for one purpose, derived from the material with a context prefix, or null.
	 *
	 * @param string      $context  Purpose: 'secretbox' (the sealed client secret) or 'provision-state'.
	 * @param string|null $material Material; null uses material().
	 */
	public static function derive( string $context, ?string $material = null ): ?string {
		$material = $material ?? self::material();
		if ( null === $material ) {
			return null;
		}
		return sodium_crypto_generichash( 'wpcrm-connect|' . $context . '|' . $material, '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
	}

	/**
	 * Where the key comes from: 'constant', 'file' or null (none).
	 */
	public static function source(): ?string {
		if ( self::constant_defined() ) {
			return 'constant';
		}
		return null === self::material() ? null : 'file';
	}

	/**
	 * The admin-facing reason why there is no key (translated), or null when there is one.
	 */
	public static function problem(): ?string {
		if ( null !== self::material() ) {
			return null;
		}
		return sprintf(
			/* translators: 1: file path, 2: constant name, 3: wp-config.php. */
			__( 'Dataverse Connection could not create its encryption key file %1$s (the folder is not writable, or the file is damaged). Define %2$s in %3$s with a long random value (for example the output of "openssl rand -base64 32"), then try again.', 'wpcrm-connect' ),
			self::path(),
			self::CONSTANT,
			'wp-config.php'
		);
	}

	/**
	 * Path of the key file.
	 */
	public static function path(): string {
		/**
		 * Filters where the generated key is kept (outside the database; default wp-content/wpcrm-connect-key.php).
		 *
		 * @param string $path File path.
		 */
		return (string) apply_filters( 'wpcrm_connect_key_file', trailingslashit( WP_CONTENT_DIR ) . self::FILE );
	}

	/**
	 * Forgets the memoized material (tests; after the file was replaced).
	 */
	public static function reset(): void {
		self::$material = false;
	}

	/**
	 * Deletes the generated key file (uninstall). The constant, if any, is the site owner's.
	 */
	public static function delete_file(): void {
		$path = self::path();
		if ( is_file( $path ) ) {
			wp_delete_file( $path );
		}
		self::reset();
	}

	/**
	 * True when wp-config.php defines a usable key.
	 */
	private static function constant_defined(): bool {
		return defined( self::CONSTANT ) && is_string( constant( self::CONSTANT ) ) && '' !== constant( self::CONSTANT );
	}

	/**
	 * Reads the key: the constant, else the file, creating the file once when it is missing.
	 */
	private static function load(): ?string {
		if ( self::constant_defined() ) {
			return (string) constant( self::CONSTANT );
		}
		$path = self::path();
		if ( ! file_exists( $path ) ) {
			self::create( $path );
		}
		// A concurrent first request may be writing it (fallback without link()): give it a moment.
		for ( $i = 0; $i < 20; $i++ ) {
			$key = self::read( $path );
			if ( null !== $key || ! file_exists( $path ) ) {
				return $key;
			}
			usleep( 50000 );
		}
		return null;
	}

	/**
	 * The key in a file, or null when it is missing or malformed (a damaged file is never replaced:
	 * that would make what it sealed unreadable for good).
	 *
	 * @param string $path File.
	 */
	private static function read( string $path ): ?string {
		$content = is_readable( $path ) ? file_get_contents( $path ) : false; // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents
		if ( ! is_string( $content ) || ! preg_match( '/' . preg_quote( self::MARKER, '/' ) . '([A-Za-z0-9+\/]{43}=)/', $content, $m ) ) {
			return null;
		}
		$raw = base64_decode( $m[1], true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		return false !== $raw && 32 === strlen( $raw ) ? $raw : null;
	}

	/**
	 * Creates the key file atomically: written (0600) under a temporary name, then hard-linked to its
	 * name, which fails when another request created it first; that one's key is then used.
	 *
	 * @param string $path File.
	 */
	private static function create( string $path ): void {
		$dir = dirname( $path );
		if ( ! is_dir( $dir ) || ! wp_is_writable( $dir ) ) {
			return;
		}
		$body = "<?php\n"
			. "// Dataverse Connection (wpcrm) encryption key. Keep it secret, back it up with wp-config.php (not with the\n"
			. "// database), and do not edit it: the saved client secret cannot be opened without it.\n"
			. "// Prefer defining WPCRM_CONNECT_KEY in wp-config.php. Requested over HTTP, this file outputs nothing.\n"
			. "exit;\n"
			. '// ' . self::MARKER . base64_encode( random_bytes( 32 ) ) . "\n"; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode

		$tmp = $path . '.' . bin2hex( random_bytes( 6 ) ) . '.tmp';
		// phpcs:disable WordPress.WP.AlternativeFunctions -- a private file with exact permissions, not an upload.
		$handle = @fopen( $tmp, 'x' ); // phpcs:ignore WordPress.PHP.NoSilencedErrors
		if ( false === $handle ) {
			return;
		}
		chmod( $tmp, 0600 );
		$written = fwrite( $handle, $body );
		fflush( $handle );
		fclose( $handle );
		if ( strlen( $body ) === $written && ! @link( $tmp, $path ) && ! file_exists( $path ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors
			// No hard links on this filesystem: exclusive create instead (readers retry a partial file).
			$handle = @fopen( $path, 'x' ); // phpcs:ignore WordPress.PHP.NoSilencedErrors
			if ( false !== $handle ) {
				chmod( $path, 0600 );
				fwrite( $handle, $body );
				fclose( $handle );
			}
		}
		@unlink( $tmp ); // phpcs:ignore WordPress.PHP.NoSilencedErrors
		// phpcs:enable
	}
}
