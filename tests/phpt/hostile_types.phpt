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
        printf("%s: returned %s, %d bytes\n", $name, $failed, strlen(json_encode($r, JSON_PARTIAL_OUTPUT_ON_ERROR)));
    } catch (\Throwable $e) {
        printf("%s: %s (%d bytes of message)\n", $name, get_class($e), strlen($e->getMessage()));
    }
}
// Only the provisioning call that reached sign-in made a request (the device code, at the sandbox).
var_dump(count(sbx_service_requests()));
?>
--EXPECT--
instance_url object: TypeError (92 bytes of message)
instance_url Stringable: TypeError (92 bytes of message)
client_secret closure: TypeError (93 bytes of message)
timeout NAN: Wpcrm\InvalidArgumentException (99 bytes of message)
timeout INF: Wpcrm\InvalidArgumentException (99 bytes of message)
timeout -1: Wpcrm\InvalidArgumentException (99 bytes of message)
timeout PHP_INT_MAX: Wpcrm\InvalidArgumentException (99 bytes of message)
timeout 1e300: Wpcrm\InvalidArgumentException (99 bytes of message)
tables deeply nested: TypeError (92 bytes of message)
tables int keys map: returned input invalid_instance_url, 2172 bytes
tables null item: TypeError (114 bytes of message)
unknown option keys: returned input invalid_instance_url, 1810 bytes
secret_lifetime_days PHP_INT_MIN: returned failed invalid_secret_lifetime, 1761 bytes
secret_lifetime_days PHP_INT_MAX: returned failed invalid_secret_lifetime, 1760 bytes
provision timeout NAN: Wpcrm\InvalidArgumentException (91 bytes of message)
provision action unknown: returned failed invalid_action, 1617 bytes
provision roles 10000: returned sign_in_required -, 2376 bytes
provision state array: TypeError (73 bytes of message)
int(1)
