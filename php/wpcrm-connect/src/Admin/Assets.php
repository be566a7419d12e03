<?php
/**
 * The panel's script and style, enqueued only where the panel is shown.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Admin;

use Wpcrm\Connect\Extension;
use Wpcrm\Connect\REST\Routes;

/**
 * Enqueues `assets/admin.js` with the REST root, the `wp_rest` nonce and translated strings.
 */
final class Assets {

	public const HANDLE = 'wpcrm-connect-admin';

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

	/**
	 * Constructor.
	 *
	 * @param Extension $extension Extension.
	 */
	public function __construct( Extension $extension ) {
		$this->extension = $extension;
	}

	/**
	 * Enqueues script and style (idempotent).
	 */
	public function enqueue(): void {
		if ( wp_script_is( self::HANDLE, 'enqueued' ) ) {
			return;
		}
		wp_enqueue_style( self::HANDLE, plugins_url( 'assets/admin.css', WPCRM_CONNECT_FILE ), array( 'dashicons' ), WPCRM_CONNECT_VERSION );
		wp_enqueue_script( self::HANDLE, plugins_url( 'assets/admin.js', WPCRM_CONNECT_FILE ), array(), WPCRM_CONNECT_VERSION, true );
		wp_localize_script(
			self::HANDLE,
			'wpcrmConnect',
			array(
				'root'         => esc_url_raw( rest_url( Routes::NAMESPACE . '/' ) ),
				'nonce'        => wp_create_nonce( 'wp_rest' ),
				'extension'    => $this->extension->available(),
				'pollInterval' => 1000,
				'i18n'         => array(
					'starting'       => __( 'Starting…', 'wpcrm-connect' ),
					'waitingSignIn'  => __( 'Waiting for you to sign in…', 'wpcrm-connect' ),
					'chooseEnv'      => __( 'Choose the environment, then press "Use this environment".', 'wpcrm-connect' ),
					'noEnvChosen'    => __( 'Select an environment first.', 'wpcrm-connect' ),
					'working'        => __( 'Setting up… this takes a few seconds.', 'wpcrm-connect' ),
					'done'           => __( 'Setup finished. The connection values were saved. Opening the Connection tab…', 'wpcrm-connect' ),
					'doneHere'       => __( 'Setup finished. The connection values were saved.', 'wpcrm-connect' ),
					'failed'         => __( 'Setup failed.', 'wpcrm-connect' ),
					'cancelled'      => __( 'Setup cancelled.', 'wpcrm-connect' ),
					'confirmUndo'    => __( 'Undo the setup? The app registration, its secret, the application user and the role that were created are deleted, and the saved values are cleared.', 'wpcrm-connect' ),
					'undoing'        => __( 'Undoing the setup…', 'wpcrm-connect' ),
					'rolledBack'     => __( 'The setup was undone.', 'wpcrm-connect' ),
					'secretRemoved'  => __( 'Not set. Paste the secret Value (not the Secret ID).', 'wpcrm-connect' ),
					'verifying'      => __( 'Verifying the connection…', 'wpcrm-connect' ),
					'repairing'      => __( 'Repairing: sign in as an administrator when asked…', 'wpcrm-connect' ),
					'repaired'       => __( 'Repaired. The connection was verified again.', 'wpcrm-connect' ),
					'requestFailed'  => __( 'The request failed:', 'wpcrm-connect' ),
					'howToFix'       => __( 'How to fix:', 'wpcrm-connect' ),
					'copied'         => __( 'Code copied.', 'wpcrm-connect' ),
					'renewing'       => __( 'Renewing the client secret… the site keeps using the current one until the new one works.', 'wpcrm-connect' ),
					'renewed'        => __( 'The client secret was renewed and saved; the older one was removed.', 'wpcrm-connect' ),
					'renewFailed'    => __( 'Renewing the secret failed. The site still uses its current secret.', 'wpcrm-connect' ),
					/* translators: %s: expiry date of the client secret. */
					'expiresOn'      => __( 'Expires on %s.', 'wpcrm-connect' ),
					'waitingPaste'   => __( 'Sign in with the link, then paste the address your browser ended on.', 'wpcrm-connect' ),
					'noPaste'        => __( 'Paste the whole address from your browser\'s address bar first (it starts with http://localhost).', 'wpcrm-connect' ),
					'signingIn'      => __( 'Signing in…', 'wpcrm-connect' ),
					'stepStatus'     => array(
						'pending'     => __( 'Pending', 'wpcrm-connect' ),
						'in_progress' => __( 'In progress', 'wpcrm-connect' ),
						'running'     => __( 'In progress', 'wpcrm-connect' ),
						'done'        => __( 'Done', 'wpcrm-connect' ),
						'skipped'     => __( 'Skipped', 'wpcrm-connect' ),
						'failed'      => __( 'Failed', 'wpcrm-connect' ),
					),
					/* translators: %s: the environment's region, e.g. NA. */
					'region'         => __( 'region %s', 'wpcrm-connect' ),
					'notAdmin'       => __( 'you are not a System Administrator there', 'wpcrm-connect' ),
				),
			)
		);
	}
}
