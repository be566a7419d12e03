--TEST--
verify: wp-nouser has no application user in the environment (0x80072560)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-nouser"), ["tables" => ["account"]]);
var_dump($r["ok"]);
print_checks($r);
var_dump(report_check($r, "app_user")["fix"] !== null);
?>
--EXPECTF--
bool(false)
input pass -
tenant pass -
token pass -
app_user fail 0x80072560
metadata skip -
table:account skip -
privilege_audit skip -
secret_expiry %s -
bool(true)
