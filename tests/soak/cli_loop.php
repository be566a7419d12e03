<?php
/**
 * The WP-CLI-equivalent path for scripts/soak.sh: loads WordPress and calls the plugin's Verifier
 * (what `wp wpcrm verify` runs) in a loop for SOAK_SECONDS, then prints one summary line.
 * Usage: php cli_loop.php WP_DIR SECONDS
 */
$wp_dir  = $argv[1];
$seconds = (int) $argv[2];
define( 'WP_USE_THEMES', false );
require $wp_dir . '/wp-load.php';

$verifier = \Wpcrm\Connect\Plugin::instance()->get( 'verifier' );
$end      = microtime( true ) + $seconds;
$lat      = array();
$ok       = 0;
$not_ok   = 0;
$thrown   = 0;
while ( microtime( true ) < $end ) {
	$t = microtime( true );
	try {
		$report = $verifier->run( array( 'account' => array( 'read' ) ), 'cli', 10 );
		if ( ! empty( $report['ok'] ) ) {
			++$ok;
		} else {
			++$not_ok;
			if ( 1 === $not_ok ) {
				fwrite( STDERR, 'first not-ok report: ' . json_encode( $report ) . "\n" );
			}
		}
	} catch ( \Throwable $e ) {
		++$thrown;
		fwrite( STDERR, get_class( $e ) . ': ' . $e->getMessage() . "\n" );
	}
	$lat[] = ( microtime( true ) - $t ) * 1000;
}
sort( $lat );
$n   = count( $lat );
$pct = static function ( $p ) use ( $lat, $n ) {
	return $n ? $lat[ min( $n - 1, (int) floor( $p / 100 * $n ) ) ] : 0;
};
printf( "SOAK-CLI calls=%d ok=%d not_ok=%d thrown=%d p50_ms=%.1f p99_ms=%.1f rss_kb=%d\n", $n, $ok, $not_ok, $thrown, $pct( 50 ), $pct( 99 ), memory_get_usage( true ) / 1024 );
