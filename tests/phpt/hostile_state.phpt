--TEST--
hostile input from PHP: tampered, foreign-key, non-UTF-8 and oversized provisioning state is refused as invalid_state with a fresh state, and a binary key works
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$key = random_bytes(32); // binary, as derived from salts
$base = ['state_key' => $key, 'instance_url' => sbx_instance_url(), 'app_name' => 'WordPress (hostile)', 'timeout' => 5];
$first = wpcrm_provision($base);
echo "first: ", $first['status'], "\n";
$state = $first['state'];
$flipped = $state;
$flipped[strlen($flipped) - 3] = $flipped[strlen($flipped) - 3] === 'A' ? 'B' : 'A';
$cases = [
    'flipped' => ['state' => $flipped],
    'foreign key' => ['state' => $state, 'state_key' => random_bytes(32)],
    'truncated' => ['state' => substr($state, 0, 40)],
    'not UTF-8' => ['state' => "wpcrm.s1.\xff\xfe\xfd"],
    '16 MiB' => ['state' => str_repeat('A', 16 << 20)],
    'JSON' => ['state' => '{"version":1}'],
];
foreach ($cases as $name => $override) {
    $t = microtime(true);
    try {
        $r = wpcrm_provision($override + $base);
        printf("%s: %s %s fresh_state=%s fast=%s\n", $name, $r['status'], $r['error']['code'] ?? '-',
            var_export(strlen($r['state']) > 0 && $r['state'] !== ($override['state'] ?? ''), true),
            var_export(microtime(true) - $t < 2, true));
    } catch (\Throwable $e) {
        printf("%s: %s: %s\n", $name, get_class($e), substr($e->getMessage(), 0, 200));
    }
}
// The genuine state still works with its own key.
$again = wpcrm_provision(['state' => $state] + $base);
echo "genuine: ", $again['status'], "\n";
echo "no secret in state: ", var_export(!str_contains($state, 'Sbx8Q~') && !preg_match('/eyJ[A-Za-z0-9_-]{10,}\./', $state), true), "\n";
?>
--EXPECT--
first: sign_in_required
flipped: failed invalid_state fresh_state=true fast=true
foreign key: failed invalid_state fresh_state=true fast=true
truncated: failed invalid_state fresh_state=true fast=true
not UTF-8: failed invalid_state fresh_state=true fast=true
16 MiB: failed invalid_state fresh_state=true fast=true
JSON: failed invalid_state fresh_state=true fast=true
genuine: sign_in_required
no secret in state: true
