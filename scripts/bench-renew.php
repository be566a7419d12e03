<?php
/**
 * The timing loop of scripts/bench-renew.sh (which installs WordPress and starts the sandbox).
 * Prints one row per mode: runs, median and range of the wall time from the first Renewal step to
 * `done` (saved, verified, older secret removed), and the steps (engine calls) it took.
 */

$wp_dir = getenv( 'WPT_WP_DIR' );
$url    = (string) getenv( 'WPT_URL' );
$_SERVER['HTTP_HOST']   = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/wp-admin/';
require $wp_dir . '/wp-load.php';
require dirname( __DIR__ ) . '/tests/phpt/fixtures.inc';
require dirname( __DIR__ ) . '/tests/wordpress/support/Sandbox.php';

use Wpcrm\Connect\Plugin;
use Wpcrm\Connect\Tests\Sandbox;

$runs     = max( 1, (int) getenv( 'BENCH_RUNS' ) );
$delay_ms = (int) ( getenv( 'BENCH_DELAY_MS' ) ?: 2000 );
wp_set_current_user( 1 );
$settings = Plugin::instance()->get( 'settings' );
$renewal  = Plugin::instance()->get( 'renewal' );
$settings->save(
	array(
		'instance_url'   => Sandbox::instance_url(),
		'application_id' => Sandbox::app_ok(),
		'client_secret'  => Sandbox::secret_ok(),
		'tables'         => array( 'contact' => array( 'read' ) ),
	)
);
Sandbox::call( 'POST', '/_sandbox/config', array( 'auto_approve' => true ) );

$modes = array(
	'activation delay off'                 => 0,
	"activation delay {$delay_ms} ms"      => $delay_ms,
);
$times = array_fill_keys( array_keys( $modes ), array() );
$steps = array_fill_keys( array_keys( $modes ), array() );
for ( $i = 0; $i < $runs; $i++ ) {
	foreach ( $modes as $mode => $delay ) {
		Sandbox::call( 'POST', '/_sandbox/config', array( 'secret_activation_delay_ms' => $delay ) );
		$before = $settings->secret();
		$n      = 0;
		$t0     = hrtime( true );
		do {
			$result = $renewal->step( 1, array( 'secret_days' => 30, 'timeout' => 20, 'source' => 'cli' ) );
			++$n;
		} while ( in_array( $result['status'], array( 'sign_in_required', 'in_progress' ), true ) && $n < 50 );
		$ms = ( hrtime( true ) - $t0 ) / 1e6;
		if ( 'done' !== $result['status'] || $settings->secret() === $before || empty( $result['verification']['ok'] ) ) {
			fwrite( STDERR, "run {$i} ({$mode}) did not finish: " . wp_json_encode( $result['error'] ?? $result['status'] ) . "\n" );
			exit( 1 );
		}
		$times[ $mode ][] = $ms;
		$steps[ $mode ][] = $n;
		fprintf( STDERR, "run %d %-28s %7.0f ms, %d steps\n", $i + 1, $mode, $ms, $n );
	}
}

$median = static function ( array $v ): float {
	sort( $v );
	$c = count( $v );
	return $c % 2 ? $v[ intdiv( $c, 2 ) ] : ( $v[ $c / 2 - 1 ] + $v[ $c / 2 ] ) / 2;
};
printf( "| %-28s | runs | median | range | plugin steps |\n|---|---|---|---|---|\n", '"Renew secret" → saved, verified' );
foreach ( $modes as $mode => $delay ) {
	printf( "| %-28s | %d | %.0f ms | %.0f–%.0f ms | %d |\n", $mode, $runs, $median( $times[ $mode ] ), min( $times[ $mode ] ), max( $times[ $mode ] ), $median( $steps[ $mode ] ) );
}
