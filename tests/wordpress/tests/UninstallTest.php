<?php
/**
 * uninstall.php removes the plugin's own data and leaves `msdyncrm_options` alone.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Health\Daily_Check;
use Wpcrm\Connect\Plugin;

final class UninstallTest extends TestCase {

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_uninstall_removes_own_data_only(): void {
		$admin = $this->admin_id();
		$this->service( 'settings' )->save( array( 'client_secret' => 'Sbx8Q~value-000000000000000000' ) );
		$this->service( 'verifier' )->store( array( 'ok' => true, 'status' => 'pass', 'checks' => array() ), 'cron' );
		update_user_meta( $admin, 'wpcrm_connect_provision', array( 'state' => 'x' ) );
		update_option( 'wpcrm_connect_provision_cli', array( 'state' => 'x' ) );
		update_option( 'msdyncrm_options', array( 'applicationId' => 'kept' ) );
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ) );

		define( 'WP_UNINSTALL_PLUGIN', 'wpcrm-connect/wpcrm-connect.php' );
		include WPCRM_CONNECT_DIR . '/uninstall.php';
		wp_cache_flush();

		$this->assertFalse( get_option( 'wpcrm_connect_settings', false ) );
		$this->assertFalse( get_option( 'wpcrm_connect_last_report', false ) );
		$this->assertFalse( get_option( 'wpcrm_connect_provision_cli', false ) );
		$this->assertSame( '', get_user_meta( $admin, 'wpcrm_connect_provision', true ) );
		$this->assertFalse( wp_next_scheduled( Daily_Check::HOOK ) );
		$this->assertSame( array( 'applicationId' => 'kept' ), get_option( 'msdyncrm_options' ) );

		Plugin::activate(); // Leave the site as the other tests expect it.
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ) );
	}
}
