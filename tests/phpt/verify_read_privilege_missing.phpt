--TEST--
verify: wp-basic may not read incident; the check names prvReadIncident
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-basic"), ["tables" => ["incident"]]);
var_dump($r["ok"]);
$t = report_check($r, "table:incident");
echo $t["status"], "\n";
var_dump($r["tables"]["incident"]["exists"], $r["tables"]["incident"]["access"]["read"]);
var_dump(str_contains($t["detail"] . " " . $t["fix"], "prvReadIncident"));
?>
--EXPECTF--
bool(false)
fail
bool(true)
string(4) "none"
bool(true)
