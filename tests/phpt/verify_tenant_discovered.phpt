--TEST--
verify: without tenant_id the tenant is discovered from the 401 challenge
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$c = sbx_connection("wp-ok");
unset($c["tenant_id"]);
$r = wpcrm_verify_connection($c, ["tables" => ["account"]]);
var_dump($r["ok"], $r["tenant_id"] === Fixtures::tenant()["id"]);
print_checks($r);
assert_no_secret($r);
?>
--EXPECTF--
bool(true)
bool(true)
input pass -
tenant pass -
token pass -
app_user pass -
metadata pass -
table:account pass -
privilege_audit pass -
secret_expiry %s -
