--TEST--
verify: throttling that outlasts the deadline ends the call on time with throttled/timeout
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
sbx_fault(["method" => "GET", "path" => sbx_env_path("/api/data/v9.2/**"), "kind" => "status", "status" => 429, "headers" => ["Retry-After" => "30"]]);
$t0 = microtime(true);
$r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account"], "timeout" => 3]);
$wall = microtime(true) - $t0;
var_dump($r["ok"], $wall < 4.5);
$codes = array_map(fn ($f) => explode(" ", $f)[1], failed_checks($r));
var_dump(count($codes) > 0 && array_diff($codes, ["throttled", "timeout"]) === []);
var_dump(in_array("throttled", $codes, true));
?>
--EXPECTF--
bool(false)
bool(true)
bool(true)
bool(true)
