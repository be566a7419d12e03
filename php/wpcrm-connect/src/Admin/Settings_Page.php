<?php
/**
 * Settings → Dataverse Connection, and the panel on the Dynamics 365 Integration Connection tab.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Admin;

use Wpcrm\Connect\Audit_Log;
use Wpcrm\Connect\Capabilities;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Tables;

/**
 * The page: a Settings API form (saved through options.php with its nonce) and the action panel.
 */
final class Settings_Page {

	public const SLUG = 'wpcrm-connect';

	/**
	 * Settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Panel.
	 *
	 * @var Panel
	 */
	private $panel;

	/**
	 * Audit log.
	 *
	 * @var Audit_Log
	 */
	private $audit;

	/** Audit entries shown on the page. */
	public const AUDIT_ROWS = 50;

	/**
	 * Constructor.
	 *
	 * @param Settings       $settings Settings.
	 * @param Panel          $panel    Panel.
	 * @param Audit_Log|null $audit    Audit log.
	 */
	public function __construct( Settings $settings, Panel $panel, ?Audit_Log $audit = null ) {
		$this->settings = $settings;
		$this->panel    = $panel;
		$this->audit    = $audit ?? new Audit_Log();
	}

	/**
	 * Hooks the page.
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'add_fields' ) );
		add_action( 'wordpresscrm_after_settings_general', array( $this->panel, 'render' ) );
		add_filter( 'option_page_capability_' . Settings::GROUP, array( $this, 'capability' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( WPCRM_CONNECT_FILE ), array( $this, 'action_links' ) );
		add_filter( 'removable_query_args', array( $this, 'removable_query_args' ) );
		add_action( 'update_option_' . Settings::OPTION, array( $this, 'values_changed' ), 10, 2 );
	}

	/**
	 * After a save that changed what the last report checked, says on the settings screen that the
	 * report is out of date (Report_Context marks it so until the next check).
	 *
	 * @param mixed $old Previous stored value.
	 * @param mixed $new New stored value.
	 */
	public function values_changed( $old, $new ): void {
		$last = get_option( \Wpcrm\Connect\Verifier::LAST_REPORT_OPTION, null );
		if ( ! is_array( $last ) || ! is_array( $last['checked'] ?? null ) || ! is_array( $new ) || ! function_exists( 'add_settings_error' ) ) {
			return;
		}
		if ( ! Report_Context::changed( $last, $this->settings->connection() ) ) {
			return;
		}
		add_settings_error(
			Settings::OPTION,
			'wpcrm_report_stale',
			esc_html__( 'The connection values changed: the last verification report is about the previous ones. Press "Verify connection" below to check the new values.', 'wpcrm-connect' ),
			'warning'
		);
	}

	/**
	 * `provisioned=1` shows the "setup finished" notice once; WordPress then drops it from the
	 * address bar, so a reload (after "Undo setup", say) does not show it again.
	 *
	 * @param string[] $args Query args WordPress removes after load.
	 * @return string[]
	 */
	public function removable_query_args( array $args ): array {
		$args[] = 'provisioned';
		return $args;
	}

	/**
	 * Capability required to save through options.php.
	 */
	public function capability(): string {
		return Capabilities::SETUP;
	}

	/**
	 * Adds Settings → Dataverse Connection.
	 */
	public function add_page(): void {
		add_options_page(
			__( 'Dataverse Connection', 'wpcrm-connect' ),
			__( 'Dataverse Connection', 'wpcrm-connect' ),
			Capabilities::SETUP,
			self::SLUG,
			array( $this, 'render' )
		);
	}

	/**
	 * Adds a Settings link on the Plugins screen.
	 *
	 * @param string[] $links Links.
	 * @return string[]
	 */
	public function action_links( $links ) {
		$links[] = sprintf( '<a href="%s">%s</a>', esc_url( admin_url( 'options-general.php?page=' . self::SLUG ) ), esc_html__( 'Settings', 'wpcrm-connect' ) );
		return $links;
	}

	/**
	 * Registers the section and fields.
	 */
	public function add_fields(): void {
		add_settings_section( 'wpcrm_connection', __( 'Connection', 'wpcrm-connect' ), array( $this, 'section_intro' ), self::SLUG );
		$fields = array(
			'instance_url'   => __( 'Instance URL', 'wpcrm-connect' ),
			'tenant_id'      => __( 'Tenant (optional)', 'wpcrm-connect' ),
			'application_id' => __( 'Application (client) ID', 'wpcrm-connect' ),
			'client_secret'  => __( 'Client secret', 'wpcrm-connect' ),
			'tables'         => __( 'Tables the site needs', 'wpcrm-connect' ),
		);
		foreach ( $fields as $key => $label ) {
			add_settings_field(
				'wpcrm_' . $key,
				$label,
				array( $this, 'field_' . $key ),
				self::SLUG,
				'wpcrm_connection',
				array( 'label_for' => 'wpcrm-' . str_replace( '_', '-', $key ) )
			);
		}
	}

	/**
	 * Section intro.
	 */
	public function section_intro(): void {
		echo '<p>' . esc_html__( 'Fill these in by hand, or press "Set up automatically" below to have them created and filled in.', 'wpcrm-connect' ) . '</p>';
	}

	/**
	 * Name attribute of a field.
	 *
	 * @param string $key Key.
	 */
	private function name( string $key ): string {
		return Settings::OPTION . '[' . $key . ']';
	}

	/**
	 * Instance URL field.
	 */
	public function field_instance_url(): void {
		$stored = $this->settings->stored();
		printf(
			'<input type="url" class="regular-text code" id="wpcrm-instance-url" name="%s" value="%s" placeholder="https://contoso.crm.dynamics.com" /><p class="description">%s</p>',
			esc_attr( $this->name( 'instance_url' ) ),
			esc_attr( (string) ( $stored['instance_url'] ?? '' ) ),
			esc_html__( 'The address of the Dataverse environment. Leave it empty before "Set up automatically" to choose from the environments you can administer.', 'wpcrm-connect' )
		);
	}

	/**
	 * Tenant field.
	 */
	public function field_tenant_id(): void {
		$stored = $this->settings->stored();
		printf(
			'<input type="text" class="regular-text code" id="wpcrm-tenant-id" name="%s" value="%s" placeholder="contoso.onmicrosoft.com" /><p class="description">%s</p>',
			esc_attr( $this->name( 'tenant_id' ) ),
			esc_attr( (string) ( $stored['tenant_id'] ?? '' ) ),
			esc_html__( 'Directory (tenant) ID or domain. Found from the instance URL when empty.', 'wpcrm-connect' )
		);
	}

	/**
	 * Application id field.
	 */
	public function field_application_id(): void {
		$stored = $this->settings->stored();
		printf(
			'<input type="text" class="regular-text code" id="wpcrm-application-id" name="%s" value="%s" placeholder="00000000-0000-0000-0000-000000000000" autocomplete="off" />',
			esc_attr( $this->name( 'application_id' ) ),
			esc_attr( (string) ( $stored['application_id'] ?? '' ) )
		);
	}

	/**
	 * Client secret field: write-only, never echoed back.
	 */
	public function field_client_secret(): void {
		$state = $this->settings->secret_state();
		if ( 'constant' === $state ) {
			printf(
				'<input type="password" class="regular-text" id="wpcrm-client-secret" value="" disabled="disabled" /><p class="description" id="wpcrm-secret-state" data-wpcrm-secret="constant">%s</p>',
				esc_html(
					sprintf(
						/* translators: %s: name of the wp-config.php constant. */
						__( 'Defined in wp-config.php (%s).', 'wpcrm-connect' ),
						Settings::SECRET_CONSTANT
					)
				)
			);
			return;
		}
		printf(
			'<input type="password" class="regular-text" id="wpcrm-client-secret" name="%s" value="" autocomplete="new-password" spellcheck="false" />',
			esc_attr( $this->name( 'client_secret' ) )
		);
		switch ( $state ) {
			case 'set':
				$hint = $this->settings->secret_hint();
				$text = null !== $hint
					/* translators: %s: the last three characters of the client secret. */
					? sprintf( __( 'Set, ends with …%s. Leave empty to keep it.', 'wpcrm-connect' ), $hint )
					: __( 'Set. Leave empty to keep it.', 'wpcrm-connect' );
				break;
			case 'undecryptable':
				$text = __( 'The saved secret can no longer be decrypted (the plugin\'s key, WPCRM_CONNECT_KEY or wp-content/wpcrm-connect-key.php, changed or was lost, e.g. after a migration). Enter it again.', 'wpcrm-connect' );
				break;
			default:
				$text = __( 'Not set. Paste the secret Value (not the Secret ID).', 'wpcrm-connect' );
		}
		printf( '<p class="description" id="wpcrm-secret-state" data-wpcrm-secret="%s">%s</p>', esc_attr( $state ), esc_html( $text ) );
		if ( 'missing' !== $state ) {
			printf(
				'<label><input type="checkbox" id="wpcrm-clear-secret" name="%s" value="1" /> %s</label>',
				esc_attr( $this->name( 'clear_secret' ) ),
				esc_html__( 'Remove the saved secret', 'wpcrm-connect' )
			);
		}
		$expires = $this->settings->secret_expires_at();
		if ( null !== $expires && false !== strtotime( $expires ) ) {
			printf(
				'<p class="description" id="wpcrm-secret-expiry">%s</p>',
				esc_html(
					sprintf(
						/* translators: %s: expiry date of the client secret. */
						__( 'Expires on %s.', 'wpcrm-connect' ),
						wp_date( get_option( 'date_format' ), (int) strtotime( $expires ) )
					)
				)
			);
		}
	}

	/**
	 * Tables field.
	 */
	public function field_tables(): void {
		printf(
			'<textarea class="large-text code" rows="4" id="wpcrm-tables" name="%s">%s</textarea><p class="description">%s</p>',
			esc_attr( $this->name( 'tables' ) ),
			esc_textarea( Tables::format( $this->settings->tables() ) ),
			esc_html__( 'One table per line: its logical name, then the access the site needs (read, create, write, delete, append, appendto), e.g. "contact: read" or "lead: read, create".', 'wpcrm-connect' )
		);
	}

	/**
	 * Renders the page.
	 */
	public function render(): void {
		if ( ! current_user_can( Capabilities::SETUP ) ) {
			return;
		}
		?>
		<div class="wrap" id="wpcrm-connect-page">
			<h1><?php esc_html_e( 'Dataverse Connection', 'wpcrm-connect' ); ?></h1>
			<?php
			// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			if ( isset( $_GET['provisioned'] ) ) {
				echo '<div class="notice notice-success is-dismissible" id="wpcrm-notice-provisioned"><p>' . esc_html__( 'Setup finished: the connection values were saved.', 'wpcrm-connect' ) . '</p></div>';
			}
			?>
			<form method="post" action="options.php" id="wpcrm-settings-form">
				<?php
				settings_fields( Settings::GROUP );
				do_settings_sections( self::SLUG );
				submit_button( __( 'Save settings', 'wpcrm-connect' ), 'primary', 'submit', true, array( 'id' => 'wpcrm-save-button' ) );
				?>
			</form>
			<hr />
			<?php $this->panel->render(); ?>
			<hr />
			<?php $this->render_audit(); ?>
		</div>
		<?php
	}

	/**
	 * The audit trail: what setup created, changed or removed in the tenant, by whom.
	 */
	public function render_audit(): void {
		$entries = $this->audit->latest( self::AUDIT_ROWS );
		$actions = array(
			'created' => __( 'Created', 'wpcrm-connect' ),
			'updated' => __( 'Updated', 'wpcrm-connect' ),
			'removed' => __( 'Removed', 'wpcrm-connect' ),
		);
		$kinds   = array(
			'application'       => __( 'app registration', 'wpcrm-connect' ),
			'service_principal' => __( 'enterprise application (service principal)', 'wpcrm-connect' ),
			'client_secret'     => __( 'client secret', 'wpcrm-connect' ),
			'application_user'  => __( 'application user', 'wpcrm-connect' ),
			'role'              => __( 'security role', 'wpcrm-connect' ),
			'role_assignment'   => __( 'role assignment', 'wpcrm-connect' ),
			'owner'             => __( 'owner', 'wpcrm-connect' ),
		);
		$sources = array(
			'browser' => __( 'this page', 'wpcrm-connect' ),
			'rest'    => __( 'REST API', 'wpcrm-connect' ),
			'cli'     => __( 'WP-CLI', 'wpcrm-connect' ),
			'cron'    => __( 'scheduled task', 'wpcrm-connect' ),
		);
		?>
		<h2 id="wpcrm-audit-heading"><?php esc_html_e( 'Changes made by setup', 'wpcrm-connect' ); ?></h2>
		<?php if ( ! $entries ) : ?>
			<p class="description" id="wpcrm-audit-empty"><?php esc_html_e( 'Setup has not changed anything in Microsoft Entra ID or Dataverse yet.', 'wpcrm-connect' ); ?></p>
			<?php
			return;
		endif;
		?>
		<p class="description">
			<?php
			echo esc_html(
				sprintf(
					/* translators: %d: number of entries shown. */
					__( 'What setup and "Undo setup" created, changed or removed in Microsoft Entra ID and Dataverse, newest first (the last %d).', 'wpcrm-connect' ),
					self::AUDIT_ROWS
				)
			);
			?>
		</p>
		<table class="widefat striped" id="wpcrm-audit">
			<thead>
				<tr>
					<th scope="col"><?php esc_html_e( 'When', 'wpcrm-connect' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Who', 'wpcrm-connect' ); ?></th>
					<th scope="col"><?php esc_html_e( 'What', 'wpcrm-connect' ); ?></th>
					<th scope="col"><?php esc_html_e( 'ID', 'wpcrm-connect' ); ?></th>
				</tr>
			</thead>
			<tbody>
				<?php foreach ( $entries as $entry ) : ?>
					<?php
					$when = strtotime( (string) ( $entry['at'] ?? '' ) );
					$who  = '' !== (string) ( $entry['user_login'] ?? '' )
						? (string) $entry['user_login']
						/* translators: %d: WordPress user id. */
						: ( (int) ( $entry['user_id'] ?? 0 ) > 0 ? sprintf( __( 'user #%d', 'wpcrm-connect' ), (int) $entry['user_id'] ) : __( 'system', 'wpcrm-connect' ) );
					$what = sprintf(
						/* translators: 1: Created/Updated/Removed, 2: kind of object, e.g. app registration. */
						__( '%1$s %2$s', 'wpcrm-connect' ),
						$actions[ $entry['action'] ?? '' ] ?? (string) ( $entry['action'] ?? '' ),
						$kinds[ $entry['kind'] ?? '' ] ?? (string) ( $entry['kind'] ?? '' )
					);
					?>
					<tr data-wpcrm-audit-action="<?php echo esc_attr( (string) ( $entry['action'] ?? '' ) ); ?>" data-wpcrm-audit-kind="<?php echo esc_attr( (string) ( $entry['kind'] ?? '' ) ); ?>">
						<td><?php echo esc_html( false !== $when ? wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $when ) : '' ); ?></td>
						<td><?php echo esc_html( $who ); ?> <span class="description">(<?php echo esc_html( $sources[ $entry['source'] ?? '' ] ?? (string) ( $entry['source'] ?? '' ) ); ?>)</span></td>
						<td><?php echo esc_html( $what ); ?><?php if ( '' !== (string) ( $entry['detail'] ?? '' ) ) : ?><br /><span class="description"><?php echo esc_html( (string) $entry['detail'] ); ?></span><?php endif; ?></td>
						<td><code><?php echo esc_html( (string) ( $entry['id'] ?? '' ) ); ?></code></td>
					</tr>
				<?php endforeach; ?>
			</tbody>
		</table>
		<?php
	}
}
