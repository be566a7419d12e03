--TEST--
verify: a wrong secret fails the token check with AADSTS7000215 and skips the rest
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$not_the_seeded_secret = "Sbx8Q~notTheRightValue.000000000000000099";
$r = wpcrm_verify_connection(sbx_connection("wp-ok", ["client_secret" => $not_the_seeded_secret]), ["tables" => ["account"]]);
var_dump($r["ok"], $r["status"]);
print_checks($r);
var_dump(report_check($r, "token")["fix"] !== null);
assert_no_secret($r);
?>
--EXPECTF--
bool(false)
string(4) "fail"
input pass -
tenant pass -
token fail AADSTS7000215
app_user skip -
metadata skip -
table:account skip -
privilege_audit skip -
secret_expiry %s -
bool(true)
