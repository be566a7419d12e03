--TEST--
verify: wp-noroles can call WhoAmI but not read metadata (0x80040220)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-noroles"), ["tables" => ["account"]]);
var_dump($r["ok"]);
print_checks($r);
var_dump(stripos(report_check($r, "metadata")["detail"] . report_check($r, "metadata")["fix"], "prvReadEntity") !== false);
?>
--EXPECTF--
bool(false)
input pass -
tenant pass -
token pass -
app_user pass -
metadata fail 0x80040220
table:account skip -
privilege_audit skip -
secret_expiry %s -
bool(true)
