--TEST--
verify: wp-basic reads account at Basic depth only: a warning, not a failure
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-basic"), ["tables" => ["account"]]);
var_dump($r["ok"], $r["status"]);
$t = report_check($r, "table:account");
echo $t["status"], "\n";
var_dump($r["tables"]["account"]["access"]["read"], $t["fix"] !== null);
?>
--EXPECTF--
bool(true)
string(4) "warn"
warn
string(5) "basic"
bool(true)
