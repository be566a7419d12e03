<?php
/**
 * Network activation: the shared credential is the network's. The test WordPress is a single site, so
 * network activation is simulated through the plugin's `wpcrm_connect_network_mode` filter (on a real
 * network it follows `active_sitewide_plugins`).
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Capabilities;
use Wpcrm\Connect\Provision_Lock;
use Wpcrm\Connect\Provision_State_Store;

final class MultisiteTest extends TestCase {

	public function test_single_site_keeps_manage_options(): void {
		$this->assertFalse( Capabilities::network_mode() );
		// A network option claiming network activation means nothing on a single site.
		add_filter( 'pre_site_option_active_sitewide_plugins', static function () {
			return array( plugin_basename( WPCRM_CONNECT_FILE ) => time() );
		} );
		try {
			$this->assertFalse( Capabilities::network_mode() );
		} finally {
			remove_all_filters( 'pre_site_option_active_sitewide_plugins' );
		}
		$this->login( 'admin' );
		$this->assertTrue( current_user_can( Capabilities::SETUP ) );
	}

	public function test_network_activated_setup_needs_a_network_capability(): void {
		add_filter( 'wpcrm_connect_network_mode', '__return_true' );
		$map = Capabilities::map();
		$this->assertSame( 'manage_network_options', $map[ Capabilities::SETUP ] );
		$this->assertSame( 'manage_options', $map[ Capabilities::VIEW ] );

		// A (sub)site administrator may no longer provision, roll back or change the shared credential.
		$this->login( 'admin' );
		$this->assertFalse( current_user_can( Capabilities::SETUP ) );
		$this->assertTrue( current_user_can( Capabilities::VIEW ) );
		foreach ( array( 'start', 'rollback', 'cancel' ) as $action ) {
			$response = $this->rest( 'POST', '/provision', array( 'action' => $action ) );
			$this->assertSame( 403, $response->get_status(), $action );
		}
		$this->assertSame( Capabilities::SETUP, $this->service( 'page' )->capability(), 'options.php saves need it too' );
		$this->assertFalse( get_option( Provision_State_Store::OPTION ), 'nothing started' );

		// A network administrator may.
		$user = wp_get_current_user();
		$user->add_cap( 'manage_network_options' );
		try {
			$this->assertTrue( current_user_can( Capabilities::SETUP ) );
		} finally {
			$user->remove_cap( 'manage_network_options' );
		}
	}

	public function test_the_run_and_the_lock_belong_to_one_blog(): void {
		$this->assertStringEndsWith( '_' . get_current_blog_id(), Provision_Lock::name() );
		$this->assertNotSame( Provision_Lock::name( 1 ), Provision_Lock::name( 2 ) );
		$this->assertLessThanOrEqual( 64, strlen( Provision_Lock::name( PHP_INT_MAX ) ), 'MySQL lock names are at most 64 characters' );
		// The run is a per-blog option (options are per blog on a network), not network-wide user meta.
		( new Provision_State_Store() )->put( array( 'state' => 'x', 'status' => 'in_progress' ) );
		global $wpdb;
		$this->assertSame( '1', $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name = %s", Provision_State_Store::OPTION ) ) );
		$this->assertSame( '0', $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", 'wpcrm_connect%' ) ) );
	}

	public function test_a_busy_site_answers_409_with_a_clear_message(): void {
		$this->requireExtension();
		$this->login( 'admin' );
		$other = new \wpdb( DB_USER, DB_PASSWORD, DB_NAME, DB_HOST );
		$other->get_var( $other->prepare( 'SELECT GET_LOCK(%s, 0)', Provision_Lock::name() ) );
		try {
			$response = $this->rest( 'POST', '/provision', array( 'action' => 'poll' ) );
			$this->assertSame( 409, $response->get_status() );
			$this->assertSame( 'wpcrm_busy', $response->get_data()['code'] );
			$this->assertStringContainsString( 'Another setup step is running', $response->get_data()['message'] );
		} finally {
			$other->close();
		}
	}
}
