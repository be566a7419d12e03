<?php
/**
 * One writer of the lock race test (ConcurrencyTest): a separate PHP process that loads the test
 * WordPress and runs one provisioning step with a slow scripted engine, which logs when each engine
 * call starts and ends. Prints the step's status.
 *
 *   php race-worker.php <log file> <action> <lock wait seconds>
 */

$wp_dir = getenv( 'WPT_WP_DIR' );
$url    = getenv( 'WPT_URL' );
if ( ! $wp_dir || ! $url || $argc < 4 ) {
	fwrite( STDERR, "usage: WPT_WP_DIR=... WPT_URL=... php race-worker.php LOG ACTION WAIT\n" );
	exit( 2 );
}
$_SERVER['HTTP_HOST']       = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['SERVER_NAME']     = parse_url( $url, PHP_URL_HOST );
$_SERVER['REQUEST_URI']     = '/wp-admin/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
require $wp_dir . '/wp-load.php';

$log = $argv[1];

$engine = new class( $log ) implements \Wpcrm\Connect\Engine {
	/** @var string */
	private $log;
	public function __construct( string $log ) {
		$this->log = $log;
	}
	public function available(): bool {
		return true;
	}
	public function verify( array $connection, array $options = array() ): array {
		throw new \LogicException( 'not scripted' );
	}
	public function provision( array $request ): array {
		file_put_contents( $this->log, sprintf( "enter %d %.6f %s\n", getmypid(), microtime( true ), $request['state'] ?? '-' ), FILE_APPEND | LOCK_EX );
		usleep( 2000000 );
		file_put_contents( $this->log, sprintf( "leave %d %.6f\n", getmypid(), microtime( true ) ), FILE_APPEND | LOCK_EX );
		return array( 'status' => 'in_progress', 'state' => 'sealed-by-' . getmypid(), 'steps' => array() );
	}
};

$plugin       = \Wpcrm\Connect\Plugin::instance();
$provisioning = new \Wpcrm\Connect\Provisioning( $engine, $plugin->get( 'settings' ), $plugin->get( 'legacy' ), new \Wpcrm\Connect\Provision_State_Store(), $plugin->get( 'verifier' ) );
$result       = $provisioning->step( 0, $argv[2], array( 'lock_wait' => (int) $argv[3], 'source' => 'cli' ) );
echo $result['status'], "\n";
