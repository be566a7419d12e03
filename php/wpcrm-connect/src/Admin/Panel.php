<?php
/**
 * The "Set up automatically" and "Verify connection" panel, shared by the plugin's page and the
 * Dynamics 365 Integration plugin's Connection tab.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Admin;

use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Provisioning;
use Wpcrm\Connect\Settings;
use Wpcrm\Connect\Tables;
use Wpcrm\Connect\Verifier;

/**
 * Renders the panel markup. Buttons are `type="button"` so the panel can sit inside another plugin's
 * form; element ids and `data-wpcrm-*` attributes are stable for tests.
 */
final class Panel {

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

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
	 * Assets.
	 *
	 * @var Assets
	 */
	private $assets;

	/**
	 * Settings (the tables setup covers).
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Constructor.
	 *
	 * @param Extension    $extension    Extension.
	 * @param Verifier     $verifier     Verifier.
	 * @param Provisioning $provisioning Provisioning.
	 * @param Assets       $assets       Assets.
	 * @param Settings     $settings     Settings.
	 */
	public function __construct( Extension $extension, Verifier $verifier, Provisioning $provisioning, Assets $assets, Settings $settings ) {
		$this->extension    = $extension;
		$this->verifier     = $verifier;
		$this->provisioning = $provisioning;
		$this->assets       = $assets;
		$this->settings     = $settings;
	}

	/**
	 * Prints the panel; on the Dynamics 365 Integration tab through its action.
	 */
	public function render(): void {
		$this->assets->enqueue();
		$available = $this->extension->available();
		$disabled  = $available ? '' : ' disabled="disabled" aria-disabled="true"';
		$current   = $this->provisioning->current();
		$can_undo  = $available && null !== $current && $current['can_rollback'];
		$last      = $this->verifier->last();
		?>
		<div id="wpcrm-connect-panel" class="wpcrm-panel" data-wpcrm-state="idle" data-wpcrm-extension="<?php echo esc_attr( $available ? 'loaded' : 'missing' ); ?>">
			<?php if ( ! $available ) : ?>
				<div class="notice notice-error inline" id="wpcrm-extension-missing"><p>
					<?php echo wp_kses( Notices::extension_missing_message(), array( 'code' => array() ) ); ?>
				</p></div>
			<?php endif; ?>

			<h2 id="wpcrm-setup-heading"><?php esc_html_e( 'Set up automatically', 'wpcrm-connect' ); ?></h2>
			<p class="description"><?php esc_html_e( 'Sign in once as a Microsoft administrator: the app registration, its client secret, the application user and a least-privilege security role are created for you, and the connection values are filled in.', 'wpcrm-connect' ); ?></p>
			<?php if ( doing_action( 'wordpresscrm_after_settings_general' ) ) : ?>
				<p class="description" id="wpcrm-setup-tables">
					<?php
					// phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- both arguments are built from escaped parts.
					printf(
						/* translators: 1: tables and access kinds, e.g. "contact: read"; 2: link to the plugin's settings page. */
						esc_html__( 'Setup grants the site access to these tables: %1$s. To change them, use %2$s.', 'wpcrm-connect' ),
						'<code>' . esc_html( str_replace( "\n", '; ', Tables::format( $this->settings->tables() ) ) ) . '</code>',
						'<a href="' . esc_url( admin_url( 'options-general.php?page=' . Settings_Page::SLUG ) ) . '">' . esc_html__( 'Settings → Dataverse Connection', 'wpcrm-connect' ) . '</a>'
					);
					?>
				</p>
			<?php endif; ?>
			<p>
				<label for="wpcrm-secret-days"><?php esc_html_e( 'Client secret lifetime (days)', 'wpcrm-connect' ); ?></label>
				<input type="number" id="wpcrm-secret-days" class="small-text" min="1" max="730" value="<?php echo esc_attr( (string) Provisioning::DEFAULT_SECRET_DAYS ); ?>"<?php echo $disabled; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- constant markup. ?> />
			</p>
			<p>
				<label for="wpcrm-cloud"><?php esc_html_e( 'Microsoft cloud', 'wpcrm-connect' ); ?></label>
				<select id="wpcrm-cloud"<?php echo $disabled; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- constant markup. ?>>
					<?php
					$wpcrm_clouds = array(
						''          => __( 'Follow the environment URL (public cloud without one)', 'wpcrm-connect' ),
						'public'    => __( 'Public (commercial)', 'wpcrm-connect' ),
						'gcc'       => __( 'US Government Community Cloud (GCC)', 'wpcrm-connect' ),
						'usgovhigh' => __( 'US Government GCC High', 'wpcrm-connect' ),
						'usgovdod'  => __( 'US Government DoD', 'wpcrm-connect' ),
						'china'     => __( 'China (operated by 21Vianet)', 'wpcrm-connect' ),
					);
					foreach ( $wpcrm_clouds as $wpcrm_value => $wpcrm_label ) {
						printf( '<option value="%s">%s</option>', esc_attr( $wpcrm_value ), esc_html( $wpcrm_label ) );
					}
					?>
				</select>
			</p>
			<p class="wpcrm-actions">
				<button type="button" id="wpcrm-setup-button" class="button button-primary"<?php echo $disabled; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- constant markup. ?>><?php esc_html_e( 'Set up automatically', 'wpcrm-connect' ); ?></button>
				<button type="button" id="wpcrm-cancel-button" class="button" hidden><?php esc_html_e( 'Cancel', 'wpcrm-connect' ); ?></button>
				<button type="button" id="wpcrm-rollback-button" class="button button-link-delete"<?php echo $can_undo ? '' : ' hidden'; ?>><?php esc_html_e( 'Undo setup', 'wpcrm-connect' ); ?></button>
				<?php if ( '' !== $this->settings->connection()['application_id'] ) : ?>
					<button type="button" id="wpcrm-renew-button" class="button"<?php echo $disabled; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- constant markup. ?>><?php esc_html_e( 'Renew secret', 'wpcrm-connect' ); ?></button>
				<?php endif; ?>
			</p>

			<?php if ( null !== $current && 'done' === $current['status'] && ! $current['can_rollback'] ) : ?>
				<p class="description" id="wpcrm-undo-unavailable"><?php esc_html_e( 'The last setup cannot be undone from here: once the connection was saved, its run record was cleared so that no copy of the client secret stays in the database (a newer wpcrm extension keeps what "Undo setup" needs without the secret). Remove what it created in the Microsoft Entra admin center if needed.', 'wpcrm-connect' ); ?></p>
			<?php endif; ?>

			<div id="wpcrm-signin" class="wpcrm-signin" hidden>
				<div id="wpcrm-signin-device">
					<p>
						<?php esc_html_e( 'Open this link, sign in as a Microsoft administrator and enter the code below:', 'wpcrm-connect' ); ?>
						<a id="wpcrm-verification-link" href="#" target="_blank" rel="noopener noreferrer"></a>
					</p>
					<p><?php esc_html_e( 'Code:', 'wpcrm-connect' ); ?> <code id="wpcrm-user-code" class="wpcrm-user-code"></code>
						<button type="button" id="wpcrm-copy-code" class="button button-small"><?php esc_html_e( 'Copy code', 'wpcrm-connect' ); ?></button>
					</p>
					<p class="description" id="wpcrm-signin-status"><?php esc_html_e( 'Waiting for you to sign in…', 'wpcrm-connect' ); ?></p>
					<p>
						<button type="button" id="wpcrm-signin-browser" class="button-link"><?php esc_html_e( 'Sign in in the browser instead', 'wpcrm-connect' ); ?></button>
						<span class="description"><?php esc_html_e( 'For tenants whose Conditional Access policies block the device code sign-in.', 'wpcrm-connect' ); ?></span>
					</p>
				</div>
				<div id="wpcrm-signin-paste" hidden>
					<p>
						<?php esc_html_e( 'Open this link and sign in as a Microsoft administrator. Your browser then shows an error page for localhost (nothing runs there, that is expected): copy the whole address from the address bar and paste it below.', 'wpcrm-connect' ); ?>
					</p>
					<p><a id="wpcrm-authorize-link" class="button" href="#" target="_blank" rel="noopener noreferrer"><?php esc_html_e( 'Open the Microsoft sign-in page', 'wpcrm-connect' ); ?></a></p>
					<p>
						<label for="wpcrm-signin-response"><?php esc_html_e( 'Address the browser ended on', 'wpcrm-connect' ); ?></label><br />
						<input type="url" id="wpcrm-signin-response" class="large-text code" autocomplete="off" spellcheck="false" placeholder="http://localhost/?code=…" />
					</p>
					<p>
						<button type="button" id="wpcrm-signin-response-submit" class="button button-primary"><?php esc_html_e( 'Continue', 'wpcrm-connect' ); ?></button>
						<button type="button" id="wpcrm-signin-device-instead" class="button-link"><?php esc_html_e( 'Use a device code instead', 'wpcrm-connect' ); ?></button>
					</p>
				</div>
			</div>

			<fieldset id="wpcrm-environments" class="wpcrm-environments" hidden>
				<legend><?php esc_html_e( 'Choose the Dataverse environment for this site', 'wpcrm-connect' ); ?></legend>
				<div id="wpcrm-environment-list"></div>
				<button type="button" id="wpcrm-environment-continue" class="button button-primary"><?php esc_html_e( 'Use this environment', 'wpcrm-connect' ); ?></button>
			</fieldset>

			<ol id="wpcrm-steps" class="wpcrm-steps" aria-label="<?php esc_attr_e( 'Setup progress', 'wpcrm-connect' ); ?>"></ol>
			<div id="wpcrm-message" class="wpcrm-message" role="status" aria-live="polite"></div>
			<div id="wpcrm-notices" class="notice notice-warning inline" hidden></div>
			<div id="wpcrm-error" class="notice notice-error inline wpcrm-error" role="alert" hidden></div>

			<h2 id="wpcrm-verify-heading"><?php esc_html_e( 'Verify connection', 'wpcrm-connect' ); ?></h2>
			<p class="description"><?php esc_html_e( 'Checks with the saved values that the site can sign in, that its application user exists and is enabled, and what it may read or write in each table.', 'wpcrm-connect' ); ?></p>
			<p><button type="button" id="wpcrm-verify-button" class="button"<?php echo $disabled; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- constant markup. ?>><?php esc_html_e( 'Verify connection', 'wpcrm-connect' ); ?></button></p>
			<div id="wpcrm-report" class="wpcrm-report-box" aria-live="polite">
				<?php
				if ( null !== $last ) {
					echo Report_Context::render( $last, $this->settings->connection() ) . Report_View::render( $last['report'], (int) $last['checked_at'] ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped by Report_Context and Report_View.
				}
				?>
			</div>
		</div>
		<?php
	}
}
