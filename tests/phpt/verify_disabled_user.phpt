--TEST--
verify: the application user of wp-disabled is disabled
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-disabled"), ["tables" => ["account"]]);
var_dump($r["ok"]);
$u = report_check($r, "app_user");
echo $u["status"], "\n";
var_dump(stripos($u["detail"], "disabled") !== false, $u["fix"] !== null);
?>
--EXPECTF--
bool(false)
fail
bool(true)
bool(true)
