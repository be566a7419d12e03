--TEST--
verify: the expired secret of wp-expired fails the token check with AADSTS7000222
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-expired"), ["tables" => ["account"]]);
var_dump($r["ok"]);
$t = report_check($r, "token");
echo $t["status"], " ", $t["code"], "\n";
var_dump($t["fix"] !== null);
assert_no_secret($r);
?>
--EXPECTF--
bool(false)
fail AADSTS7000222
bool(true)
