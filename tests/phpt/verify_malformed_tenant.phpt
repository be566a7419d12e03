--TEST--
verify: a malformed tenant fails (AADSTS900023, or rejected as input before any request)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-ok", ["tenant_id" => "contoso!tenant"]), ["tables" => ["account"]]);
var_dump($r["ok"]);
$f = failed_checks($r);
$first = report_check($r, explode(" ", $f[0])[0]);
var_dump(str_ends_with($f[0], "AADSTS900023") || ($first["id"] === "input" && stripos($first["detail"], "tenant") !== false));
var_dump(report_check($r, "app_user")["status"]);
?>
--EXPECTF--
bool(false)
bool(true)
string(4) "skip"
