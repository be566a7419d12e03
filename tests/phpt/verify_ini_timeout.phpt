--TEST--
verify: without a timeout option the deadline is wpcrm.timeout
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--INI--
wpcrm.timeout=2
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
sbx_fault(["method" => "GET", "path" => sbx_env_path("/api/data/v9.2/**"), "kind" => "hang"]);
$t0 = microtime(true);
$r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account"]]);
$wall = microtime(true) - $t0;
var_dump($r["ok"], $wall >= 1.5 && $wall < 3.5);
echo report_check($r, "token")["status"], "\n";
print_r(array_values(array_unique(array_map(fn ($f) => explode(" ", $f)[1], failed_checks($r)))));
?>
--EXPECT--
bool(false)
bool(true)
pass
Array
(
    [0] => timeout
)
