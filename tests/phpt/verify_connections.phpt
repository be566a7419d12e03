--TEST--
verify_connections: many connections in one call, keyed as given, each alone; types, progress, overall deadline
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();

// Keys are kept (strings and ints), each connection has its own report, one failure stays alone.
$seen = [];
$r = wpcrm_verify_connections([
    'site-a' => sbx_connection('wp-ok'),
    7 => sbx_connection('wp-ok', ['client_secret' => 'Wrong8Q~notTheSecretValue.00000000000000001']),
    'bad-url' => sbx_connection('wp-ok', ['instance_url' => 'not a url']),
    'own-tables' => sbx_connection('wp-ok') + ['tables' => ['no_such_table']],
], [
    'tables' => ['account'],
    'concurrency' => 2,
    'progress' => function ($key, array $report, int $done, int $total) use (&$seen) {
        $seen[] = [$key, $report['status'], $done, $total];
    },
]);
var_dump(array_keys($r));
var_dump(array_keys($r['results']));
foreach ($r['results'] as $key => $report) {
    echo "$key {$report['status']} ", implode(',', failed_checks($report)), "\n";
}
var_dump($r['summary'], $r['concurrency'], is_int($r['elapsed_ms']), $r['requests'] > 0);
usort($seen, fn ($a, $b) => strcmp((string) $a[0], (string) $b[0]));
foreach ($seen as [$key, $status, $done, $total]) {
    echo gettype($key), " $key $status $total\n";
}
foreach ($r['results'] as $report) {
    assert_no_secret($report);
}
$t = array_column(array_values($r['results'])[0]['checks'], null, 'id')['table:account'];
var_dump($t['detail_id'], $t['params']['table']);

// An empty fleet.
var_dump(wpcrm_verify_connections([])['summary']);

// Types and values the caller gets wrong throw.
foreach ([
    fn () => wpcrm_verify_connections(['x' => 'not an array']),
    fn () => wpcrm_verify_connections([sbx_connection('wp-ok')], ['concurrency' => '4']),
    fn () => wpcrm_verify_connections([sbx_connection('wp-ok')], ['concurrency' => 0]),
    fn () => wpcrm_verify_connections([sbx_connection('wp-ok')], ['progress' => 'no_such_function_here']),
    fn () => wpcrm_verify_connections([sbx_connection('wp-ok')], ['timeout' => -1]),
] as $call) {
    try {
        $call();
        echo "no exception\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}

// The overall deadline ends every connection, however many there are.
sbx_call('POST', '/_sandbox/config', ['latency_ms' => 400]);
$t0 = microtime(true);
$r = wpcrm_verify_connections(array_fill(0, 6, sbx_connection('wp-ok')), ['tables' => ['account'], 'timeout' => 0.6, 'concurrency' => 3]);
$took = microtime(true) - $t0;
var_dump($took < 2.5);
$codes = [];
foreach ($r['results'] as $report) {
    $codes[] = $report['status'] . ':' . explode(' ', failed_checks($report)[0] ?? '- -')[1];
}
echo implode(' ', array_unique($codes)), "\n";
sbx_call('POST', '/_sandbox/config', ['latency_ms' => 0]);

// A progress callable that throws is not called again; the exception reaches the caller.
$calls = 0;
try {
    wpcrm_verify_connections([sbx_connection('wp-ok'), sbx_connection('wp-ok')], ['progress' => function () use (&$calls) {
        $calls++;
        throw new RuntimeException('stop');
    }]);
} catch (RuntimeException $e) {
    echo 'caught ', $e->getMessage(), " after $calls call\n";
}
?>
--EXPECT--
array(5) {
  [0]=>
  string(7) "summary"
  [1]=>
  string(11) "concurrency"
  [2]=>
  string(10) "elapsed_ms"
  [3]=>
  string(8) "requests"
  [4]=>
  string(7) "results"
}
array(4) {
  [0]=>
  string(6) "site-a"
  [1]=>
  int(7)
  [2]=>
  string(7) "bad-url"
  [3]=>
  string(10) "own-tables"
}
site-a pass 
7 fail token AADSTS7000215
bad-url fail input invalid_instance_url
own-tables fail table:no_such_table table_not_found
array(4) {
  ["total"]=>
  int(4)
  ["pass"]=>
  int(1)
  ["warn"]=>
  int(0)
  ["fail"]=>
  int(3)
}
int(2)
bool(true)
bool(true)
integer 7 fail 4
string bad-url fail 4
string own-tables fail 4
string site-a pass 4
string(10) "table.pass"
string(7) "account"
array(4) {
  ["total"]=>
  int(0)
  ["pass"]=>
  int(0)
  ["warn"]=>
  int(0)
  ["fail"]=>
  int(0)
}
TypeError: wpcrm_verify_connections(): $connections['x'] must be of type array, string given
TypeError: wpcrm_verify_connections(): $options['concurrency'] must be of type ?int, string given
Wpcrm\InvalidArgumentException: wpcrm_verify_connections(): $options['concurrency'] must be between 1 and 128
TypeError: wpcrm_verify_connections(): $options['progress'] must be of type ?callable, string given
Wpcrm\InvalidArgumentException: wpcrm_verify_connections(): $options['timeout'] must be a number of seconds above 0 and at most 3600
bool(true)
fail:timeout
caught stop after 1 call
