<?php
/**
 * uninstall.php removes the plugin's own data and leaves `msdyncrm_options` alone.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Audit_Log;
use Wpcrm\Connect\Health\Daily_Check;
use Wpcrm\Connect\Health\Purge_Runs;
use Wpcrm\Connect\Key;
use Wpcrm\Connect\Plugin;
use Wpcrm\Connect\Provision_State_Store;
use Wpcrm\Connect\Uninstaller;

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
		( new Provision_State_Store() )->put( array( 'state' => 'x', 'status' => 'in_progress' ) );
		( new Audit_Log() )->record( array( array( 'action' => 'created', 'kind' => 'application', 'id' => 'a', 'detail' => '', 'at' => '2026-12-06T10:00:00Z' ) ), $admin, 'browser' );
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ) );
		$this->assertNotFalse( wp_next_scheduled( Purge_Runs::HOOK ) );
		$this->assertFileExists( Key::path() );
		$key_file = file_get_contents( Key::path() );

		define( 'WP_UNINSTALL_PLUGIN', 'wpcrm-connect/wpcrm-connect.php' );
		include WPCRM_CONNECT_DIR . '/uninstall.php';
		wp_cache_flush();

		$this->assertFalse( get_option( 'wpcrm_connect_settings', false ) );
		$this->assertFalse( get_option( 'wpcrm_connect_last_report', false ) );
		$this->assertFalse( get_option( 'wpcrm_connect_provision_cli', false ) );
		$this->assertSame( '', get_user_meta( $admin, 'wpcrm_connect_provision', true ) );
		$this->assertFalse( wp_next_scheduled( Daily_Check::HOOK ) );
		$this->assertFalse( wp_next_scheduled( Purge_Runs::HOOK ) );
		$this->assertFalse( get_option( Provision_State_Store::OPTION, false ) );
		$this->assertFalse( get_option( Audit_Log::OPTION, false ) );
		$this->assertFileDoesNotExist( Key::path() );
		$this->assertSame( array( 'applicationId' => 'kept' ), get_option( 'msdyncrm_options' ) );

		// Leave the site as the other tests expect it (same key: other processes share the file).
		file_put_contents( Key::path(), $key_file );
		chmod( Key::path(), 0600 );
		Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( Daily_Check::HOOK ) );
	}

	/**
	 * On a network, every site is cleaned (as the network's uninstall does with get_sites() and
	 * switch_to_blog(); simulated here: the test WordPress is a single site).
	 *
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_uninstall_cleans_every_site_of_a_network(): void {
		$key_file = file_get_contents( Key::path() );
		$visited  = array();
		$cleaned = array();
		add_action(
			'delete_option',
			static function ( $option ) use ( &$visited, &$cleaned ) {
				if ( 'wpcrm_connect_settings' === $option ) {
					$cleaned[] = end( $visited );
				}
			}
		);
		Uninstaller::run(
			array( 1, 2, 3 ),
			static function ( int $id ) use ( &$visited ) {
				$visited[] = $id;
				update_option( 'wpcrm_connect_settings', array( 'instance_url' => '' ) );
			},
			static function () use ( &$visited ) {
				$visited[] = 'restored';
			}
		);
		$this->assertSame( array( 1, 'restored', 2, 'restored', 3, 'restored' ), $visited );
		$this->assertSame( array( 1, 2, 3 ), $cleaned, 'each site\'s options deleted while switched to it' );
		$this->assertFileDoesNotExist( Key::path() );
		file_put_contents( Key::path(), $key_file );
		chmod( Key::path(), 0600 );
		Plugin::activate();
	}
}
