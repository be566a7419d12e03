<?php
/**
 * Wires the plugin's parts together.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Builds the services once and registers their hooks. Works without the extension: every part checks
 * Extension::available() before calling it.
 */
final class Plugin {

	/**
	 * The instance.
	 *
	 * @var Plugin|null
	 */
	private static $instance;

	/**
	 * Services by name.
	 *
	 * @var array<string,object>
	 */
	private $services = array();

	/**
	 * The shared instance.
	 */
	public static function instance(): self {
		if ( null === self::$instance ) {
			self::$instance = new self();
		}
		return self::$instance;
	}

	/**
	 * Builds the services.
	 */
	private function __construct() {
		$extension    = new Extension();
		$settings     = new Settings( new Crypto() );
		$legacy       = new Legacy_Options();
		$verifier     = new Verifier( $extension, $settings );
		$provisioning = new Provisioning( $extension, $settings, $legacy, new Provision_State_Store(), $verifier );
		$assets       = new Admin\Assets( $extension );
		$panel        = new Admin\Panel( $extension, $verifier, $provisioning, $assets, $settings );

		$this->services = array(
			'extension'    => $extension,
			'settings'     => $settings,
			'legacy'       => $legacy,
			'verifier'     => $verifier,
			'provisioning' => $provisioning,
			'capabilities' => new Capabilities(),
			'page'         => new Admin\Settings_Page( $settings, $panel ),
			'notices'      => new Admin\Notices( $extension, $settings, $verifier ),
			'rest'         => new REST\Routes( $extension, $settings, $verifier, $provisioning ),
			'daily_check'  => new Health\Daily_Check( $extension, $verifier ),
			'site_health'  => new Health\Site_Health( $extension, $settings, $verifier ),
		);
	}

	/**
	 * A service, for tests and integrations.
	 *
	 * @param string $name Service name.
	 * @return object
	 */
	public function get( string $name ) {
		if ( ! isset( $this->services[ $name ] ) ) {
			throw new \InvalidArgumentException( 'Unknown service.' );
		}
		return $this->services[ $name ];
	}

	/**
	 * Registers every hook.
	 */
	public function register(): void {
		add_action( 'init', array( $this, 'load_textdomain' ) );
		$this->services['settings']->register();
		foreach ( array( 'capabilities', 'page', 'notices', 'rest', 'daily_check', 'site_health' ) as $name ) {
			$this->services[ $name ]->register();
		}
		if ( defined( 'WP_CLI' ) && WP_CLI && class_exists( '\WP_CLI' ) ) {
			CLI\Guard::register( $this->cli_command(), $this->services['extension'] );
		}
	}

	/**
	 * Loads translations.
	 */
	public function load_textdomain(): void {
		load_plugin_textdomain( 'wpcrm-connect', false, dirname( plugin_basename( WPCRM_CONNECT_FILE ) ) . '/languages' );
	}

	/**
	 * A WP-CLI command object.
	 *
	 * @param callable|null $sleep Sleeper (tests).
	 */
	public function cli_command( ?callable $sleep = null ): CLI\Command {
		return new CLI\Command(
			$this->services['extension'],
			$this->services['settings'],
			$this->services['verifier'],
			$this->services['provisioning'],
			$sleep
		);
	}

	/**
	 * Activation: schedule the daily check.
	 */
	public static function activate(): void {
		Health\Daily_Check::ensure_scheduled();
	}

	/**
	 * Deactivation: remove the daily check.
	 */
	public static function deactivate(): void {
		Health\Daily_Check::unschedule();
	}
}
