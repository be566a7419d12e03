--TEST--
verify: a table that does not exist fails its check with table_not_found
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account", "new_nosuchtable"]]);
var_dump($r["ok"]);
$t = report_check($r, "table:new_nosuchtable");
echo $t["status"], " ", $t["code"], "\n";
var_dump($r["tables"]["new_nosuchtable"]["exists"], report_check($r, "table:account")["status"]);
?>
--EXPECTF--
bool(false)
fail table_not_found
bool(false)
string(4) "pass"
