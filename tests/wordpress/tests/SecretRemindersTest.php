<?php
/**
 * Reminders 30, 14 and 7 days before the client secret expires: the admin notice, the Site Health
 * result, and one e-mail per threshold to the admin address (captured with the `pre_wp_mail` filter,
 * so nothing is sent).
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Health\Secret_Reminders;

final class SecretRemindersTest extends TestCase {

	/** @var array[] The mails wp_mail was asked to send. */
	private $mails = array();

	protected function setUp(): void {
		parent::setUp();
		$this->mails = array();
		add_filter(
			'pre_wp_mail',
			function ( $short_circuit, $atts ) {
				$this->mails[] = $atts;
				return true;
			},
			10,
			2
		);
		delete_option( Secret_Reminders::OPTION );
	}

	protected function tearDown(): void {
		remove_all_filters( 'pre_wp_mail' );
		parent::tearDown();
	}

	private function reminders(): Secret_Reminders {
		return new Secret_Reminders( $this->service( 'settings' ) );
	}

	/** A saved secret that expires in `$days` days (and a bit, so whole days count as `$days`). */
	private function expires_in( int $days ): void {
		$this->service( 'settings' )->save( array( 'secret_expires_at' => gmdate( 'Y-m-d\TH:i:s\Z', time() + $days * DAY_IN_SECONDS + HOUR_IN_SECONDS ) ) );
	}

	private function notice(): string {
		ob_start();
		$this->reminders()->render_notice();
		return (string) ob_get_clean();
	}

	public function test_thresholds(): void {
		$this->assertNull( Secret_Reminders::threshold( null ) );
		$this->assertNull( Secret_Reminders::threshold( 31 ) );
		$this->assertSame( 30, Secret_Reminders::threshold( 30 ) );
		$this->assertSame( 30, Secret_Reminders::threshold( 15 ) );
		$this->assertSame( 14, Secret_Reminders::threshold( 14 ) );
		$this->assertSame( 7, Secret_Reminders::threshold( 7 ) );
		$this->assertSame( 7, Secret_Reminders::threshold( -3 ), 'expired' );
	}

	public function test_each_threshold_mails_the_admin_once(): void {
		$this->login( 'admin' );
		$this->expires_in( 40 );
		$this->assertNull( $this->reminders()->run() );
		$this->assertSame( '', $this->notice() );
		$this->assertSame( 'good', $this->reminders()->test()['status'] );
		$this->assertCount( 0, $this->mails );

		foreach ( array( 29 => 30, 13 => 14, 6 => 7 ) as $days => $threshold ) {
			$this->expires_in( $days );
			$before = count( $this->mails );
			$this->assertSame( $threshold, $this->reminders()->run(), "{$days} days" );
			$this->assertNull( $this->reminders()->run(), 'the same threshold mails once' );
			$this->assertCount( $before + 1, $this->mails );
			$mail = end( $this->mails );
			$this->assertSame( get_option( 'admin_email' ), $mail['to'] );
			$this->assertStringContainsString( "expires in {$days} days", $mail['subject'] );
			$this->assertStringContainsString( 'wp wpcrm renew', $mail['message'] );
			$this->assertStringContainsString( 'data-wpcrm-threshold="' . $threshold . '"', $this->notice() );
			$this->assertSame( $threshold <= 7 ? 'critical' : 'recommended', $this->reminders()->test()['status'] );
		}
		$this->assertCount( 3, $this->mails );
	}

	public function test_a_late_first_run_mails_once_and_a_renewed_secret_starts_afresh(): void {
		$this->expires_in( 10 );
		$this->assertSame( 14, $this->reminders()->run() );
		$this->assertCount( 1, $this->mails, 'not the 30-day mail as well' );
		$this->expires_in( 20 );
		// Saving a new expiry is what a renewal does; its thresholds are its own.
		$this->assertSame( 30, $this->reminders()->run() );
		$this->assertCount( 2, $this->mails );
	}

	public function test_the_notice_is_for_those_who_can_renew(): void {
		$this->expires_in( 5 );
		$this->login( 'editor' );
		$this->assertSame( '', $this->notice() );
		$this->login( 'admin' );
		$this->assertStringContainsString( 'wpcrm-notice-secret-expiry', $this->notice() );
	}

	public function test_registered_as_a_cron_job_and_a_site_health_test(): void {
		$reminders = $this->service( 'secret_reminders' );
		$this->assertInstanceOf( Secret_Reminders::class, $reminders );
		$this->assertTrue( Secret_Reminders::ensure_scheduled() );
		$this->assertNotFalse( wp_next_scheduled( Secret_Reminders::HOOK ) );
		$tests = apply_filters( 'site_status_tests', array( 'direct' => array(), 'async' => array() ) );
		$this->assertArrayHasKey( Secret_Reminders::TEST, $tests['direct'] );
	}
}
