<?php
/**
 * A fork after first use (scripts/soak.sh): the parent verifies once (creating the engine's runtime
 * and connection pool), forks, and both the child and the parent verify again. The engine must notice
 * the new pid and build a fresh runtime in the child (crates/wpcrm-core/src/engine.rs).
 * Usage: php -d extension=... fork.php INSTANCE_URL APP_ID SECRET
 */
if ( ! function_exists( 'pcntl_fork' ) ) {
	echo "FORK skipped: pcntl is not available\n";
	exit( 0 );
}
$connection = array( 'instance_url' => $argv[1], 'application_id' => $argv[2], 'client_secret' => $argv[3] );
$options    = array( 'tables' => array( 'account' ), 'timeout' => 10 );
$first      = wpcrm_verify_connection( $connection, $options );
$pid        = pcntl_fork();
if ( 0 === $pid ) {
	$r = wpcrm_verify_connection( $connection, $options );
	exit( $r['ok'] ? 0 : 3 );
}
$again = wpcrm_verify_connection( $connection, $options );
pcntl_waitpid( $pid, $status );
$child_ok = pcntl_wifexited( $status ) && 0 === pcntl_wexitstatus( $status );
printf(
	"FORK parent_first=%s child=%s parent_after=%s child_status=%s\n",
	$first['ok'] ? 'ok' : 'fail',
	$child_ok ? 'ok' : 'fail',
	$again['ok'] ? 'ok' : 'fail',
	pcntl_wifsignaled( $status ) ? 'signal ' . pcntl_wtermsig( $status ) : 'exit ' . pcntl_wexitstatus( $status )
);
exit( $first['ok'] && $child_ok && $again['ok'] ? 0 : 1 );
