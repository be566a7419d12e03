--TEST--
verify: Dataverse 429s with Retry-After are retried inside the deadline and the call passes
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
sbx_fault(["method" => "GET", "path" => sbx_env_path("/api/data/v9.2/**"), "kind" => "status", "status" => 429, "times" => 2]);
$r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account"], "timeout" => 15]);
var_dump($r["ok"]);
$throttled = array_filter(sbx_service_requests(), fn ($q) => $q["status"] === 429);
var_dump(count($throttled));
?>
--EXPECTF--
bool(true)
int(2)
