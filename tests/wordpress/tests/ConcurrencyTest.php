<?php
/**
 * Two writers at once, as two PHP processes (support/race-worker.php) racing on the site's lock: the
 * browser's poll beside `wp wpcrm provision`, or two administrators.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Provision_State_Store;

final class ConcurrencyTest extends TestCase {

	/** @var string */
	private $log;

	protected function setUp(): void {
		parent::setUp();
		$this->log = tempnam( sys_get_temp_dir(), 'wpcrm-race' );
		// A run in progress, as after "Set up automatically".
		( new Provision_State_Store() )->put(
			array(
				'state'   => 'sealed-state-0',
				'request' => array( 'instance_url' => 'https://contoso.crm.dynamics.com', 'tables' => array( 'contact' => array( 'read' ) ), 'secret_days' => 30 ),
				'status'  => 'in_progress',
			)
		);
	}

	protected function tearDown(): void {
		@unlink( $this->log );
		parent::tearDown();
	}

	/**
	 * Starts two workers at once and waits for both.
	 *
	 * @return string[] Their printed statuses.
	 */
	private function race( string $action, int $wait ): array {
		$cmd = array( PHP_BINARY );
		foreach ( array( 'extension' => getenv( 'WPCRM_SO' ) && extension_loaded( 'wpcrm' ) ? getenv( 'WPCRM_SO' ) : '' ) as $ini => $value ) {
			if ( '' !== $value ) {
				array_push( $cmd, '-d', $ini . '=' . $value );
			}
		}
		array_push( $cmd, dirname( __DIR__ ) . '/support/race-worker.php', $this->log, $action, (string) $wait );
		$procs = array();
		$pipes = array();
		for ( $i = 0; $i < 2; $i++ ) {
			$procs[ $i ] = proc_open( $cmd, array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes[ $i ] );
		}
		$out = array();
		foreach ( $procs as $i => $proc ) {
			$stdout = stream_get_contents( $pipes[ $i ][1] );
			$stderr = stream_get_contents( $pipes[ $i ][2] );
			fclose( $pipes[ $i ][1] );
			fclose( $pipes[ $i ][2] );
			$this->assertSame( 0, proc_close( $proc ), $stdout . $stderr );
			$out[] = trim( $stdout );
		}
		wp_cache_flush();
		return $out;
	}

	/** @return array[] Engine calls: [enter, leave] times. */
	private function calls(): array {
		$calls = array();
		foreach ( file( $this->log, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES ) as $line ) {
			$parts = explode( ' ', $line );
			if ( 'enter' === $parts[0] ) {
				$calls[ $parts[1] ] = array( (float) $parts[2], null, $parts[3] );
			} else {
				$calls[ $parts[1] ][1] = (float) $parts[2];
			}
		}
		return array_values( $calls );
	}

	public function test_two_processes_racing_make_exactly_one_engine_call_and_the_other_is_busy(): void {
		$statuses = $this->race( 'poll', 0 );
		sort( $statuses );
		$this->assertSame( array( 'busy', 'in_progress' ), $statuses );
		$this->assertCount( 1, $this->calls(), 'exactly one engine call' );
		$this->assertSame( 2, ( new Provision_State_Store() )->seq() );
	}

	public function test_two_processes_that_wait_for_the_lock_call_the_engine_one_after_the_other(): void {
		$statuses = $this->race( 'poll', 10 );
		$this->assertSame( array( 'in_progress', 'in_progress' ), $statuses );
		$calls = $this->calls();
		$this->assertCount( 2, $calls );
		usort( $calls, static function ( $a, $b ) {
			return $a[0] <=> $b[0];
		} );
		$this->assertGreaterThanOrEqual( $calls[0][1], $calls[1][0], 'the second engine call starts after the first one ended' );
		$this->assertSame( 'sealed-state-0', $calls[0][2] );
		$this->assertStringStartsWith( 'sealed-by-', $calls[1][2], 'the second writer continues from the first one\'s state, not the one it found' );
		$this->assertSame( 3, ( new Provision_State_Store() )->seq() );
	}
}
