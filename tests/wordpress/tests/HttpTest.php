<?php
/**
 * Real HTTP against `php -S` (the same server serve.sh starts for the browser tests): log in with the
 * auth cookie, load the page, and call the REST routes with and without the X-WP-Nonce header.
 */

namespace Wpcrm\Connect\Tests;

final class HttpTest extends TestCase {

	/** @var resource|null */
	private static $server;
	/** @var string */
	private static $jar;

	public static function setUpBeforeClass(): void {
		$url  = getenv( 'WPT_URL' );
		$args = array( PHP_BINARY );
		if ( getenv( 'WPCRM_SO' ) && extension_loaded( 'wpcrm' ) ) {
			$args[] = '-d';
			$args[] = 'extension=' . getenv( 'WPCRM_SO' );
			foreach ( array( 'wpcrm.sandbox_url', 'wpcrm.ca_file' ) as $ini ) {
				if ( '' !== (string) ini_get( $ini ) ) {
					$args[] = '-d';
					$args[] = $ini . '=' . ini_get( $ini );
				}
			}
		}
		array_push( $args, '-S', parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT ), '-t', getenv( 'WPT_WP_DIR' ), dirname( __DIR__ ) . '/router.php' );
		$cmd          = 'exec ' . implode( ' ', array_map( 'escapeshellarg', $args ) );
		// One process (no PHP_CLI_SERVER_WORKERS): terminating it leaves no workers behind.
		$env          = array_merge( getenv(), array( 'WPT_DEBUG_DISPLAY' => '0' ) );
		unset( $env['PHP_CLI_SERVER_WORKERS'] );
		self::$server = proc_open( $cmd, array( 0 => array( 'file', '/dev/null', 'r' ), 1 => array( 'file', '/dev/null', 'w' ), 2 => array( 'file', getenv( 'WPT_BUILD' ) . '/php-server-test.log', 'w' ) ), $pipes, null, $env );
		self::$jar    = tempnam( sys_get_temp_dir(), 'wpt-cookies' );
		for ( $i = 0; $i < 100; $i++ ) {
			$s = @fsockopen( parse_url( $url, PHP_URL_HOST ), (int) parse_url( $url, PHP_URL_PORT ) );
			if ( $s ) {
				fclose( $s );
				break;
			}
			usleep( 100000 );
		}
	}

	public static function tearDownAfterClass(): void {
		if ( self::$server ) {
			proc_terminate( self::$server );
			proc_close( self::$server );
		}
		@unlink( self::$jar );
	}

	/** @return array{status:int,body:string} */
	private function http( string $method, string $path, array $headers = array(), ?string $body = null ): array {
		$ch = curl_init( getenv( 'WPT_URL' ) . $path );
		curl_setopt_array(
			$ch,
			array(
				CURLOPT_CUSTOMREQUEST  => $method,
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_HTTPHEADER     => $headers,
				CURLOPT_POSTFIELDS     => $body,
				CURLOPT_COOKIEJAR      => self::$jar,
				CURLOPT_COOKIEFILE     => self::$jar,
				CURLOPT_TIMEOUT        => 60,
			)
		);
		$out    = (string) curl_exec( $ch );
		$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
		curl_close( $ch );
		return array( 'status' => $status, 'body' => $out );
	}

	private function log_in( string $login, string $password ): void {
		$this->http( 'GET', '/wp-login.php' );
		$r = $this->http(
			'POST',
			'/wp-login.php',
			array( 'Content-Type: application/x-www-form-urlencoded', 'Cookie: wordpress_test_cookie=WP%20Cookie%20check' ),
			http_build_query( array( 'log' => $login, 'pwd' => $password, 'testcookie' => '1', 'redirect_to' => '/wp-admin/' ) )
		);
		$this->assertSame( 302, $r['status'], 'login redirects' );
	}

	public function test_the_page_loads_and_rest_needs_the_nonce(): void {
		$this->log_in( getenv( 'WPT_ADMIN_USER' ), getenv( 'WPT_ADMIN_PASSWORD' ) );

		$page = $this->http( 'GET', '/wp-admin/options-general.php?page=wpcrm-connect' );
		$this->assertSame( 200, $page['status'] );
		$this->assertStringContainsString( 'id="wpcrm-connect-panel"', $page['body'] );
		$this->assertStringContainsString( 'wpcrm-connect/assets/admin.js', $page['body'] );
		$this->assertStringNotContainsString( 'Notice:', $page['body'] );
		$this->assertSame( 1, preg_match( '/var wpcrmConnect = \{.*?"nonce":"([0-9a-f]+)"/s', $page['body'], $m ), 'wp_rest nonce localized' );
		$nonce = $m[1];

		$js = $this->http( 'GET', '/wp-content/plugins/wpcrm-connect/assets/admin.js' );
		$this->assertSame( 200, $js['status'] );

		// Logged in by cookie, but no X-WP-Nonce: refused.
		$r = $this->http( 'GET', '/wp-json/wpcrm/v1/status' );
		$this->assertSame( 401, $r['status'], $r['body'] );
		$r = $this->http( 'POST', '/wp-json/wpcrm/v1/provision', array( 'Content-Type: application/json' ), '{"action":"start"}' );
		$this->assertSame( 401, $r['status'], $r['body'] );

		// Wrong nonce: refused.
		$r = $this->http( 'GET', '/wp-json/wpcrm/v1/status', array( 'X-WP-Nonce: 0123456789' ) );
		$this->assertSame( 403, $r['status'], $r['body'] );
		$this->assertSame( 'rest_cookie_invalid_nonce', json_decode( $r['body'], true )['code'] );

		// With it: allowed.
		$r = $this->http( 'GET', '/wp-json/wpcrm/v1/status', array( 'X-WP-Nonce: ' . $nonce ) );
		$this->assertSame( 200, $r['status'], $r['body'] );
		$this->assertArrayHasKey( 'extension', json_decode( $r['body'], true ) );
	}

	public function test_a_subscriber_with_a_valid_nonce_is_refused(): void {
		@unlink( self::$jar );
		$this->log_in( 'subscriber', 'subscriber-password' );
		// Core hands a logged-in user a fresh wp_rest nonce here.
		$nonce = $this->http( 'GET', '/wp-admin/admin-ajax.php?action=rest-nonce' );
		$this->assertSame( 200, $nonce['status'] );
		$m = array( 1 => trim( $nonce['body'] ) );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{10}$/', $m[1] );
		$ok = $this->http( 'GET', '/wp-json/wp/v2/users/me', array( 'X-WP-Nonce: ' . $m[1] ) );
		$this->assertSame( 200, $ok['status'], 'the nonce is valid' );
		$r = $this->http( 'POST', '/wp-json/wpcrm/v1/verify', array( 'X-WP-Nonce: ' . $m[1], 'Content-Type: application/json' ), '{}' );
		$this->assertSame( 403, $r['status'], $r['body'] );
	}

	/** The settings form through options.php: the URL is normalized and the page says so, and the report is out of date. */
	public function test_saving_the_form_normalizes_the_url_and_marks_the_report_stale(): void {
		$this->requireSandbox();
		$this->save_seeded_connection();
		$this->service( 'verifier' )->run( null, 'admin' );
		@unlink( self::$jar );
		$this->log_in( getenv( 'WPT_ADMIN_USER' ), getenv( 'WPT_ADMIN_PASSWORD' ) );
		$page = $this->http( 'GET', '/wp-admin/options-general.php?page=wpcrm-connect' );
		$this->assertStringContainsString( 'data-wpcrm-report-stale="0"', $page['body'] );
		$this->assertSame( 1, preg_match( '/name="_wpnonce" value="([0-9a-f]+)"/', $page['body'], $m ) );

		$save = $this->http(
			'POST',
			'/wp-admin/options.php',
			array( 'Content-Type: application/x-www-form-urlencoded' ),
			http_build_query(
				array(
					'option_page'            => 'wpcrm_connect',
					'action'                 => 'update',
					'_wpnonce'               => $m[1],
					'_wp_http_referer'       => '/wp-admin/options-general.php?page=wpcrm-connect',
					'wpcrm_connect_settings' => array(
						'instance_url'   => Sandbox::instance_url() . '/main.aspx?appid=0f1e2d3c&pagetype=entitylist',
						'tenant_id'      => '',
						'application_id' => \Fixtures::app( 'wp-basic' )['app_id'],
						'client_secret'  => '',
						'tables'         => 'contact: read',
					),
				)
			)
		);
		$this->assertSame( 302, $save['status'], $save['body'] );
		wp_cache_flush();
		$this->assertSame( Sandbox::instance_url(), $this->service( 'settings' )->stored()['instance_url'] );

		$after = $this->http( 'GET', '/wp-admin/options-general.php?page=wpcrm-connect&settings-updated=true' );
		$this->assertMatchesRegularExpression( '/id=[\'"]setting-error-wpcrm_instance_url_normalized[\'"][^>]*notice-info/', $after['body'] );
		$this->assertStringContainsString( 'main.aspx?appid=0f1e2d3c&amp;pagetype=entitylist', $after['body'], 'the notice names what was pasted, escaped' );
		$this->assertMatchesRegularExpression( '/id=[\'"]setting-error-wpcrm_report_stale[\'"][^>]*notice-warning/', $after['body'] );
		$this->assertStringContainsString( 'data-wpcrm-report-stale="1"', $after['body'] );
		$this->assertStringContainsString( 'id="wpcrm-report-stale"', $after['body'] );
		$this->assertStringNotContainsString( Sandbox::secret_ok(), $after['body'] );
	}

	public function test_the_key_file_outputs_nothing_over_http(): void {
		$path = \Wpcrm\Connect\Key::path();
		$this->assertNotNull( \Wpcrm\Connect\Key::material() );
		$this->assertFileExists( $path );
		$r = $this->http( 'GET', '/wp-content/' . basename( $path ) );
		$this->assertSame( '', $r['body'], 'requested over HTTP, the key file runs and prints nothing' );
		$this->assertStringNotContainsString( base64_encode( \Wpcrm\Connect\Key::material() ), $r['body'] );
	}
}
