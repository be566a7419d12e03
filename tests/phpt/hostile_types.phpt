--TEST--
hostile input from PHP: objects, closures, NAN/INF and extreme numbers, deep nesting and int keys are a TypeError or a Wpcrm exception or a failed check, never a crash, and nothing reaches a host but the sandbox
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$key = random_bytes(32);
$deep = [];
for ($i = 0, $p = &$deep; $i < 10000; $i++) { $p['x'] = []; $p = &$p['x']; }
unset($p);
$cases = [
    'instance_url object' => fn () => wpcrm_verify_connection(['instance_url' => new stdClass()]),
    'instance_url Stringable' => fn () => wpcrm_verify_connection(['instance_url' => new class { function __toString(): string { return 'https://x'; } }]),
    'client_secret closure' => fn () => wpcrm_verify_connection(['client_secret' => fn () => 'Sbx8Q~x']),
    'timeout NAN' => fn () => wpcrm_verify_connection([], ['timeout' => NAN]),
    'timeout INF' => fn () => wpcrm_verify_connection([], ['timeout' => INF]),
    'timeout -1' => fn () => wpcrm_verify_connection([], ['timeout' => -1]),
    'timeout PHP_INT_MAX' => fn () => wpcrm_verify_connection([], ['timeout' => PHP_INT_MAX]),
    'timeout 1e300' => fn () => wpcrm_verify_connection([], ['timeout' => 1e300]),
    'tables deeply nested' => fn () => wpcrm_verify_connection([], ['tables' => $deep]),
    'tables int keys map' => fn () => wpcrm_verify_connection([], ['tables' => [5 => 'account', 9 => 'contact']]),
    'tables null item' => fn () => wpcrm_verify_connection([], ['tables' => [null]]),
    'unknown option keys' => fn () => wpcrm_verify_connection([], ['tables' => [], 'evil' => str_repeat('x', 1000)]),
    'secret_lifetime_days PHP_INT_MIN' => fn () => wpcrm_provision(['state_key' => $key, 'secret_lifetime_days' => PHP_INT_MIN]),
    'secret_lifetime_days PHP_INT_MAX' => fn () => wpcrm_provision(['state_key' => $key, 'secret_lifetime_days' => PHP_INT_MAX]),
    'provision timeout NAN' => fn () => wpcrm_provision(['state_key' => $key, 'timeout' => NAN]),
    'provision action unknown' => fn () => wpcrm_provision(['state_key' => $key, 'action' => "drop table\0" . str_repeat('x', 5000)]),
    'provision roles 10000' => fn () => wpcrm_provision(['state_key' => $key, 'instance_url' => 'https://evil.test', 'roles' => array_fill(0, 10000, 'System Administrator')]),
    'provision state array' => fn () => wpcrm_provision(['state_key' => $key, 'state' => ['x']]),
];
foreach ($cases as $name => $call) {
    try {
        $r = $call();
        $failed = isset($r['checks']) ? (failed_checks($r)[0] ?? 'none failed') : ($r['status'] . ' ' . ($r['error']['code'] ?? '-'));
        // What matters is that hostile input is never echoed back whole: the answer stays small.
        $size = strlen(json_encode($r, JSON_PARTIAL_OUTPUT_ON_ERROR));
        printf("%s: returned %s, %s\n", $name, $failed, $size < 16384 ? 'bounded' : "UNBOUNDED ($size bytes)");
    } catch (\Throwable $e) {
        $size = strlen($e->getMessage());
        printf("%s: %s (%s)\n", $name, get_class($e), $size < 300 ? 'short message' : "LONG MESSAGE ($size bytes)");
    }
}
// Only the provisioning call that reached sign-in made a request (the device code, at the sandbox).
var_dump(count(sbx_service_requests()));
?>
--EXPECT--
instance_url object: TypeError (short message)
instance_url Stringable: TypeError (short message)
client_secret closure: TypeError (short message)
timeout NAN: Wpcrm\InvalidArgumentException (short message)
timeout INF: Wpcrm\InvalidArgumentException (short message)
timeout -1: Wpcrm\InvalidArgumentException (short message)
timeout PHP_INT_MAX: Wpcrm\InvalidArgumentException (short message)
timeout 1e300: Wpcrm\InvalidArgumentException (short message)
tables deeply nested: TypeError (short message)
tables int keys map: returned input invalid_instance_url, bounded
tables null item: TypeError (short message)
unknown option keys: returned input invalid_instance_url, bounded
secret_lifetime_days PHP_INT_MIN: returned failed invalid_secret_lifetime, bounded
secret_lifetime_days PHP_INT_MAX: returned failed invalid_secret_lifetime, bounded
provision timeout NAN: Wpcrm\InvalidArgumentException (short message)
provision action unknown: returned failed invalid_action, bounded
provision roles 10000: returned sign_in_required -, bounded
provision state array: TypeError (short message)
int(1)
