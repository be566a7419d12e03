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
		$store        = new Provision_State_Store();
		$lock         = new Provision_Lock();
		$audit        = new Audit_Log();
		$datapress    = new Integrations\DataPress();
		$provisioning = new Provisioning( $extension, $settings, $legacy, $store, $verifier, $audit, $lock, $datapress );
		$assets       = new Admin\Assets( $extension );
		$panel        = new Admin\Panel( $extension, $verifier, $provisioning, $assets, $settings );

		$this->services = array(
			'extension'        => $extension,
			'settings'         => $settings,
			'legacy'           => $legacy,
			'verifier'         => $verifier,
			'provisioning'     => $provisioning,
			'audit'            => $audit,
			'store'            => $store,
			'lock'             => $lock,
			'capabilities'     => new Capabilities(),
			'page'             => new Admin\Settings_Page( $settings, $panel, $audit ),
			'notices'          => new Admin\Notices( $extension, $settings, $verifier ),
			'rest'             => new REST\Routes( $extension, $settings, $verifier, $provisioning ),
			'daily_check'      => new Health\Daily_Check( $extension, $verifier ),
			'purge_runs'       => new Health\Purge_Runs( $store, $lock ),
			'site_health'      => new Health\Site_Health( $extension, $settings, $verifier ),
			'datapress'        => new Integrations\DataPress( $panel ),
			'secret_reminders' => new Health\Secret_Reminders( $settings ),
			'renewal'          => new Renewal( $extension, $settings, $legacy, $verifier, $audit, $lock, $datapress ),
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
		foreach ( array( 'capabilities', 'page', 'notices', 'rest', 'daily_check', 'purge_runs', 'site_health', 'datapress', 'secret_reminders' ) as $name ) {
			$this->services[ $name ]->register();
		}
		if ( defined( 'WP_CLI' ) && WP_CLI && class_exists( '\WP_CLI' ) ) {
			CLI\Guard::register( $this->cli_command(), $this->services['extension'] );
			CLI\Guard::add( 'wpcrm repair', new CLI\Repair_Command( $this->services['provisioning'] ), 'Repairs what verify found that setup could fix, in one administrator sign-in.', $this->services['extension'] );
			CLI\Renew_Command::register( $this->renew_command(), $this->services['extension'] );
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
			$sleep,
			$this->services['audit']
		);
	}

	/**
	 * The `wp wpcrm renew` command object.
	 *
	 * @param callable|null $sleep Sleeper (tests).
	 */
	public function renew_command( ?callable $sleep = null ): CLI\Renew_Command {
		return new CLI\Renew_Command( $this->services['renewal'], $sleep );
	}

	/**
	 * Activation: schedule the daily check and the hourly purge; drop runs earlier versions kept per
	 * user (sealed under the salt-derived key, they cannot be resumed).
	 */
	public static function activate(): void {
		Health\Daily_Check::ensure_scheduled();
		Health\Purge_Runs::ensure_scheduled();
		Health\Secret_Reminders::ensure_scheduled();
		Provision_State_Store::delete_legacy();
	}

	/**
	 * Deactivation: remove the daily check and the purge.
	 */
	public static function deactivate(): void {
		Health\Daily_Check::unschedule();
		Health\Purge_Runs::unschedule();
		Health\Secret_Reminders::unschedule();
	}
}
