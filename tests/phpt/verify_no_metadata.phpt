--TEST--
verify: wp-noroles is identified by WhoAmI but holds no security role (no_role, issue 10)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-noroles"), ["tables" => ["account"]]);
var_dump($r["ok"]);
print_checks($r);
var_dump(stripos(report_check($r, "app_user")["fix"], "Edit security roles") !== false);
?>
--EXPECTF--
bool(false)
input pass -
tenant pass -
token pass -
app_user fail no_role
metadata skip -
table:account skip -
privilege_audit skip -
secret_expiry %s -
bool(true)
