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
var_dump($r["ok"], $r["tenant_id"]);
print_checks($r);
assert_no_secret($r);
?>
--EXPECTF--
bool(true)
string(36) "8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e"
input pass -
tenant pass -
token pass -
app_user pass -
metadata pass -
table:account pass -
secret_expiry %s -
