<?php
/**
 * The browser sign-in (issue 10) through the REST route: "Sign in in the browser instead" asks the
 * engine for an authorize link; the test signs in on the sandbox's authorize page over HTTPS (as the
 * admin's browser would), takes the http://localhost address it is sent to, pastes it back through
 * `POST /provision` and the run completes. Also: the arguments are validated, a policy error in the
 * pasted address fails with its AADSTS code, and the pasted address is never stored.
 */

namespace Wpcrm\Connect\Tests;

final class BrowserSignInTest extends TestCase {

	private function post( array $params ): array {
		$response = $this->rest( 'POST', '/provision', $params );
		$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$data = $response->get_data();
		$this->assertArrayNotHasKey( 'state', $data );
		return $data;
	}

	/** Signs in on the authorize page as the seeded admin: the address the browser is sent to. */
	private function browse( string $authorize_url ): string {
		$ca   = getenv( 'WPCRM_CA_FILE' ) ?: ini_get( 'wpcrm.ca_file' );
		$curl = static function ( string $url, ?string $form ) use ( $ca ): array {
			$ch = curl_init( $url );
			curl_setopt_array(
				$ch,
				array(
					CURLOPT_RETURNTRANSFER => true,
					CURLOPT_HEADER         => true,
					CURLOPT_FOLLOWLOCATION => false,
					CURLOPT_CAINFO         => $ca ?: null,
					CURLOPT_TIMEOUT        => 20,
				)
			);
			if ( null !== $form ) {
				curl_setopt( $ch, CURLOPT_POSTFIELDS, $form );
			}
			$raw    = (string) curl_exec( $ch );
			$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
			$size   = (int) curl_getinfo( $ch, CURLINFO_HEADER_SIZE );
			curl_close( $ch );
			return array( $status, substr( $raw, 0, $size ), substr( $raw, $size ) );
		};
		list( $status, , $html ) = $curl( $authorize_url, null );
		$this->assertSame( 200, $status, $html );
		preg_match_all( '/<input type="hidden" name="([^"]+)" value="([^"]*)">/', $html, $m, PREG_SET_ORDER );
		$this->assertNotEmpty( $m, $html );
		$form = array();
		foreach ( $m as $input ) {
			$form[ $input[1] ] = html_entity_decode( $input[2], ENT_QUOTES );
		}
		$form['email']    = Sandbox::admin();
		$form['password'] = 'sandbox';
		$form['decision'] = 'signin';
		list( $status, $headers ) = $curl( strtok( $authorize_url, '?' ), http_build_query( $form ) );
		$this->assertSame( 302, $status, $headers );
		$this->assertMatchesRegularExpression( '/^location: (http:\/\/localhost\S*)/mi', $headers );
		preg_match( '/^location: (\S+)/mi', $headers, $loc );
		return $loc[1];
	}

	/** Start with the device code, switch to the browser sign-in: the link. */
	private function browser_link(): array {
		$result = $this->post(
			array(
				'action'       => 'start',
				'instance_url' => Sandbox::instance_url(),
				'tables'       => 'contact: read',
				'secret_days'  => 30,
			)
		);
		$this->assertSame( 'device_code', $result['sign_in']['method'] );
		$result = $this->post(
			array(
				'action'         => 'poll',
				'sign_in_method' => 'browser',
			)
		);
		$this->assertSame( 'sign_in_required', $result['status'], wp_json_encode( $result ) );
		$this->assertSame( 'browser', $result['sign_in']['method'] );
		$this->assertSame( 'http://localhost', $result['sign_in']['redirect_uri'] );
		$this->assertStringStartsWith( Sandbox::url() . '/organizations/oauth2/v2.0/authorize?', $result['sign_in']['authorize_url'] );
		$this->assertStringContainsString( 'code_challenge_method=S256', $result['sign_in']['authorize_url'] );
		return $result['sign_in'];
	}

	public function test_the_pasted_address_completes_the_setup_and_is_not_stored(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		$pasted = $this->browse( $this->browser_link()['authorize_url'] );
		$result = $this->post(
			array(
				'action'               => 'poll',
				'sign_in_response_url' => $pasted,
			)
		);
		for ( $i = 0; $i < 120 && in_array( $result['status'], array( 'in_progress' ), true ); $i++ ) {
			usleep( 100000 );
			$result = $this->post( array( 'action' => 'poll' ) );
		}
		$this->assertSame( 'done', $result['status'], wp_json_encode( $result ) );
		parse_str( (string) wp_parse_url( $pasted, PHP_URL_QUERY ), $query );
		global $wpdb;
		$dump = wp_json_encode( $wpdb->get_results( "SELECT option_value FROM {$wpdb->options}" ) ); // phpcs:ignore WordPress.DB
		$this->assertStringNotContainsString( $query['code'], (string) $dump, 'the one-time code is not stored' );
	}

	public function test_a_policy_error_in_the_pasted_address_fails_with_its_code(): void {
		$this->requireSandbox();
		$this->login( 'admin' );
		Sandbox::call( 'POST', '/_sandbox/policy/sign-in', array( 'flow' => 'authorize', 'variant' => 'compliant_device' ) );
		$pasted = $this->browse( $this->browser_link()['authorize_url'] );
		$this->assertStringContainsString( 'error=access_denied', $pasted );
		$result = $this->post(
			array(
				'action'               => 'poll',
				'sign_in_response_url' => $pasted,
			)
		);
		$this->assertSame( 'failed', $result['status'] );
		$this->assertSame( 'AADSTS53000', $result['error']['code'] );
		$this->assertStringContainsString( 'compliant', $result['error']['fix'] );
	}

	/**
	 * Runs `wp wpcrm <args> --sign-in=browser` through the real WP-CLI: reads the sign-in link from its
	 * output, signs in on the sandbox's page and types the address the browser was sent to.
	 *
	 * @return array{code:int,stdout:string,stderr:string,links:int}
	 */
	private function cli_with_browser_sign_in( array $args ): array {
		$proc   = Wp_Cli::start( array_merge( array( 'wpcrm' ), $args, array( '--sign-in=browser', '--yes', '--user=admin' ) ), true, $pipes );
		$stdout = '';
		$link   = '';
		for ( $deadline = microtime( true ) + 60; '' === $link && ! feof( $pipes[1] ) && microtime( true ) < $deadline; ) {
			$line    = (string) fgets( $pipes[1] );
			$stdout .= $line;
			if ( 0 === strpos( trim( $line ), Sandbox::url() . '/organizations/oauth2/v2.0/authorize?' ) ) {
				$link = trim( $line );
			}
		}
		$this->assertNotSame( '', $link, 'no sign-in link printed: ' . $stdout );
		fwrite( $pipes[0], $this->browse( $link ) . "\n" );
		fclose( $pipes[0] );
		$result         = array(
			'stdout' => $stdout . stream_get_contents( $pipes[1] ),
			'stderr' => (string) stream_get_contents( $pipes[2] ),
		);
		$result['code'] = proc_close( $proc );
		wp_cache_flush();
		$result['links'] = substr_count( $result['stdout'], '/oauth2/v2.0/authorize?' );
		return $result;
	}

	public function test_wp_cli_sign_in_browser_sets_up_and_undoes_with_the_pasted_address(): void {
		$this->requireSandbox();
		Sandbox::reset();
		Sandbox::call( 'DELETE', '/_sandbox/requests' );

		$setup = $this->cli_with_browser_sign_in( array( 'provision', '--instance-url=' . Sandbox::instance_url(), '--tables=contact' ) );
		$this->assertSame( 0, $setup['code'], Wp_Cli::describe( $setup ) );
		$this->assertSame( 1, $setup['links'], 'asked once for the address' );
		$secret = (string) $this->service( 'settings' )->secret();
		$this->assertNotSame( '', $secret, 'setup finished and saved the connection' );
		$this->assertStringNotContainsString( $secret, $setup['stdout'] . $setup['stderr'] );
		$this->assertStringNotContainsString( 'code=', $setup['stdout'] . $setup['stderr'], 'the pasted address is not echoed' );
		$devicecodes = array_filter(
			(array) Sandbox::call( 'GET', '/_sandbox/requests' )['body'],
			static function ( $r ) {
				return '/devicecode' === substr( (string) $r['path'], -11 );
			}
		);
		$this->assertCount( 0, $devicecodes, 'no device code with --sign-in=browser' );

		$undo = $this->cli_with_browser_sign_in( array( 'rollback' ) );
		$this->assertSame( 0, $undo['code'], Wp_Cli::describe( $undo ) );
		$this->assertStringContainsString( 'The setup was undone.', $undo['stdout'] );
	}

	public function test_the_arguments_are_validated_and_need_the_capability(): void {
		$this->requireExtension();
		$this->login( 'admin' );
		$bad = $this->rest( 'POST', '/provision', array( 'action' => 'poll', 'sign_in_method' => 'password' ) );
		$this->assertSame( 400, $bad->get_status() );
		$bad = $this->rest( 'POST', '/provision', array( 'action' => 'poll', 'sign_in_response_url' => 'javascript:alert(1)' ) );
		$this->assertSame( 400, $bad->get_status() );
		$this->login( 'editor' );
		$denied = $this->rest( 'POST', '/provision', array( 'action' => 'poll', 'sign_in_method' => 'browser' ) );
		$this->assertContains( $denied->get_status(), array( 401, 403 ) );
	}
}
