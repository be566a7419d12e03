<?php
/**
 * `make demo` (run by scripts/demo.sh through the built extension, against a sandbox started with
 * --auto-approve): sets up a connection the way "Set up automatically" does, twice.
 *
 *   1. wpcrm_provision() from nothing: device-code sign-in (approved by the sandbox as its seeded admin),
 *      the environment picked from the ones discovery lists, then every step as it finishes and every
 *      object it creates; then the values it filled in (the secret masked) and its verification report.
 *   2. wpcrm_provision() again for the same site (a fresh run, same state key and site id, as when an
 *      admin presses the button a second time): which objects it found and reused, and what it changed.
 *
 * Exits non-zero when a run fails, when the verification fails, or when the second run creates
 * anything but the new client secret (a secret's value cannot be read back, so every run adds one and
 * removes the site's older ones once the new one is saved: forget_secret, as the plugin sends it).
 *
 * Usage: php demo.php INSTANCE_URL_TO_PICK
 */

[, $pick_url] = $argv + array( null, '' );

/** Prints rows as a table whose long cells wrap inside their column. */
function table( array $header, array $rows, array $widths ): void {
	$rule  = '+' . implode( '+', array_map( fn ( $w ) => str_repeat( '-', $w + 2 ), $widths ) ) . "+\n";
	$print = function ( array $cells ) use ( $widths ) {
		$wrapped = array_map( fn ( $c, $w ) => explode( "\n", wordwrap( (string) $c, $w, "\n", true ) ), $cells, $widths );
		$height  = max( array_map( 'count', $wrapped ) );
		for ( $line = 0; $line < $height; $line++ ) {
			$parts = array();
			foreach ( $wrapped as $i => $lines ) {
				$parts[] = str_pad( $lines[ $line ] ?? '', $widths[ $i ] );
			}
			echo '| ', implode( ' | ', $parts ), " |\n";
		}
	};
	echo $rule;
	$print( $header );
	echo $rule;
	foreach ( $rows as $row ) {
		$print( $row );
	}
	echo $rule;
}

/** The secret as the plugin shows it: never the value, only its length and last three characters. */
function masked( string $secret ): string {
	return '' === $secret ? '(none)' : sprintf( '%s...%s (%d characters, masked; the plugin saves it encrypted)', str_repeat( '*', 8 ), substr( $secret, -3 ), strlen( $secret ) );
}

/**
 * One provisioning run to its end: prints sign-in, the environment choice, each step when its status
 * changes and each change the moment a call reports it. Returns [final response, every change].
 */
function provision( array $request, string $pick_url ): array {
	$started = microtime( true );
	$shown   = array();
	$changes = array();
	$stamp   = fn () => sprintf( '%5.1fs', microtime( true ) - $started );
	for ( $call = 1; $call <= 60; $call++ ) {
		$response = wpcrm_provision( $request );
		$request['state'] = $response['state'];
		foreach ( $response['steps'] as $step ) {
			if ( 'pending' === $step['status'] || ( $shown[ $step['id'] ] ?? null ) === $step['status'] ) {
				continue;
			}
			$shown[ $step['id'] ] = $step['status'];
			printf( "  %s  %-8s %s\n", $stamp(), $step['status'], $step['title'] );
		}
		foreach ( $response['changes'] as $change ) {
			$changes[] = $change;
			printf( "  %s           %s %s %s%s\n", $stamp(), $change['action'], str_replace( '_', ' ', $change['kind'] ), $change['id'], '' === $change['detail'] ? '' : " ({$change['detail']})" );
		}
		foreach ( $response['notices'] as $notice ) {
			printf( "  %s  notice   %s [%s]\n", $stamp(), $notice['message'], $notice['code'] );
		}
		switch ( $response['status'] ) {
			case 'sign_in_required':
				if ( empty( $shown['__sign_in'] ) ) {
					printf( "  %s  sign in  %s\n", $stamp(), $response['sign_in']['message'] );
					printf( "                    (the sandbox approves code %s as its seeded admin: --auto-approve)\n", $response['sign_in']['user_code'] );
					$shown['__sign_in'] = true;
				}
				break;
			case 'choose_environment':
				$urls = array_column( $response['environments'], 'url' );
				printf( "  %s  choose   %d environment(s) the admin can use: %s\n", $stamp(), count( $urls ), implode( ', ', $urls ) );
				if ( ! in_array( $pick_url, $urls, true ) ) {
					fwrite( STDERR, "demo: $pick_url is not among the environments listed\n" );
					exit( 1 );
				}
				printf( "                    picking %s\n", $pick_url );
				$request['instance_url'] = $pick_url;
				break;
			case 'in_progress':
				break;
			case 'done':
			case 'failed':
				printf( "  %s  %s after %d call(s)\n", $stamp(), strtoupper( $response['status'] ), $call );
				return array( $response, $changes );
		}
	}
	fwrite( STDERR, "demo: provisioning did not finish in 60 calls\n" );
	exit( 1 );
}

/**
 * What the plugin does once it saved the connection: `forget_secret`, so that the state keeps no
 * secret and this site's older secrets are removed (docs/provision.md, "Older secrets"). Returns the
 * changes it reports.
 */
function saved( array $request, array $done ): array {
	$request['action'] = 'forget_secret';
	$request['state']  = $done['state'];
	for ( $i = 0; $i < 10; $i++ ) {
		$response = wpcrm_provision( $request );
		if ( 'in_progress' !== $response['status'] ) {
			break;
		}
		$request['state'] = $response['state'];
	}
	if ( 'done' !== $response['status'] || '' !== (string) ( $response['connection']['client_secret'] ?? '' ) ) {
		fwrite( STDERR, "demo: forget_secret did not finish\n" );
		exit( 1 );
	}
	return $response['changes'] ?? array();
}

function fail_unless_done( array $response ): void {
	if ( 'done' === $response['status'] ) {
		return;
	}
	$e = $response['error'] ?? array();
	fprintf( STDERR, "demo: setup failed at %s: %s [%s] %s\n", $e['step'] ?? '-', $e['message'] ?? '?', $e['code'] ?? '?', $e['fix'] ?? '' );
	exit( 1 );
}

$request = array(
	'state_key'            => random_bytes( 32 ), // A site keeps one; see docs/provision.md, "What setup reuses".
	'app_name'             => 'WordPress: wpcrm demo',
	'site_id'              => 'https://demo.example.org/',
	'secret_lifetime_days' => 180,
	'tables'               => array( 'account', 'contact', 'lead' => array( 'read', 'create', 'write' ), 'incident' ),
	'roles'                => array( 'Basic User' ),
	'create_role'          => true,
	'timeout'              => 20,
);

echo 'wpcrm ', phpversion( 'wpcrm' ), ": wpcrm_provision() for site {$request['site_id']}, tables account, contact, lead (read+create+write), incident\n\n";
echo "1. Set up automatically\n";
[ $first, $first_changes ] = provision( $request, $pick_url );
fail_unless_done( $first );
saved( $request, $first ); // The plugin saves the values, then the state forgets the secret.

$conn = $first['connection'];
echo "\nThe values setup filled in (what the plugin saves on its Connection tab):\n";
table(
	array( 'setting', 'value' ),
	array(
		array( 'instance_url', $conn['instance_url'] ),
		array( 'tenant_id', $conn['tenant_id'] ?? '' ),
		array( 'application_id', $conn['application_id'] ),
		array( 'client_secret', masked( $conn['client_secret'] ) ),
		array( 'secret_expires_at', $conn['secret_expires_at'] ),
	),
	array( 18, 78 )
);

$report = $first['verification'];
echo "\nIts verification (run by the last step with the new credentials):\n";
$rows = array();
foreach ( $report['checks'] as $check ) {
	$detail = $check['detail'] . ( null !== $check['code'] ? " [{$check['code']}]" : '' );
	$rows[] = array( $check['id'], strtoupper( $check['status'] ), $check['elapsed_ms'] . ' ms', $detail, $check['fix'] ?? '' );
}
table( array( 'check', 'status', 'time', 'detail', 'fix' ), $rows, array( 16, 6, 8, 48, 30 ) );
$rows = array();
foreach ( $report['tables'] as $name => $t ) {
	$access = implode( ', ', array_map( fn ( $k, $d ) => "$k: $d", array_keys( $t['access'] ), $t['access'] ) );
	$rows[] = array( $name, $t['exists'] ? 'yes' : 'no', $t['entity_set'] ?? '', $access );
}
table( array( 'table', 'exists', 'entity set', 'access' ), $rows, array( 16, 6, 14, 60 ) );
printf( "%s: status %s, cloud %s, %d requests in %d ms\n", $report['ok'] ? 'OK' : 'FAILED', $report['status'], $report['cloud'] ?? '-', $report['requests'], $report['elapsed_ms'] );
if ( ! $report['ok'] ) {
	exit( 1 );
}

echo "\n2. Set up automatically again (a new run for the same site: nothing recorded but the site's key)\n";
unset( $request['state'] );
$request['instance_url'] = $conn['instance_url'];
[ $second, $second_changes ] = provision( $request, $pick_url );
fail_unless_done( $second );
$forgotten = saved( $request, $second );

// Which objects the second run reused: the same id as the first run's and no `created` change of that kind.
$created = array();
$updated = array();
foreach ( $second_changes as $change ) {
	if ( 'created' === $change['action'] ) {
		$created[ $change['kind'] ][] = $change['id'];
	} elseif ( 'updated' === $change['action'] ) {
		$updated[ $change['kind'] ][] = $change['detail'];
	}
}
$objects = array(
	'application'        => array( 'application', 'application_object_id' ),
	'service principal'  => array( 'service_principal', 'service_principal_id' ),
	'application user'   => array( 'application_user', 'application_user_id' ),
	'least-privilege role' => array( 'role', 'role_id' ),
	'role assignments'   => array( 'role_assignment', null ),
	'client secret'      => array( 'client_secret', null ),
);
$rows       = array();
$unexpected = array();
foreach ( $objects as $label => [ $kind, $key ] ) {
	$new = $created[ $kind ] ?? array();
	if ( null === $key ) {
		$verdict = $new ? 'created ' . count( $new ) : 'reused (none created)';
		$id      = $new ? implode( ', ', $new ) : '';
	} else {
		$same    = ( $conn[ $key ] ?? null ) === ( $second['connection'][ $key ] ?? null );
		$verdict = $same && ! $new ? 'reused' : 'created';
		if ( 'reused' === $verdict && ! empty( $updated[ $kind ] ) ) {
			$verdict .= ', updated: ' . implode( '; ', $updated[ $kind ] );
		}
		$id      = (string) ( $second['connection'][ $key ] ?? '' );
	}
	if ( 'client_secret' !== $kind && 0 !== strpos( $verdict, 'reused' ) ) {
		$unexpected[] = $label;
	}
	$rows[] = array( $label, $id, $verdict );
}
echo "\nWhat the second run found and reused:\n";
table( array( 'object', 'id', 'second run' ), $rows, array( 20, 36, 36 ) );
$removed = array_filter( $forgotten, fn ( $c ) => 'removed' === $c['action'] && 'client_secret' === $c['kind'] );
printf(
	"A client secret's value cannot be read back, so each run adds one; once the site saved the new one\n(forget_secret), %d older secret(s) of this site were removed. Verification: %s.\n",
	count( $removed ),
	$second['verification']['status']
);
if ( 1 !== count( $removed ) ) {
	fwrite( STDERR, "demo: expected the first run's secret to be removed once the second was saved\n" );
	exit( 1 );
}
if ( $unexpected || ! $second['verification']['ok'] ) {
	fwrite( STDERR, 'demo: the second run did not reuse: ' . implode( ', ', $unexpected ) . "\n" );
	exit( 1 );
}
echo "\nOK: set up, verified, and set up again without duplicating anything.\n";
