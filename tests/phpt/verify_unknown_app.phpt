--TEST--
verify: an unknown application id fails the token check with AADSTS700016
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$not_a_seeded_app = "99999999-9999-4999-8999-999999999999";
$r = wpcrm_verify_connection(sbx_connection("wp-ok", ["application_id" => $not_a_seeded_app]), ["tables" => ["account"]]);
var_dump($r["ok"]);
$t = report_check($r, "token");
echo $t["status"], " ", $t["code"], "\n";
var_dump($t["fix"] !== null);
?>
--EXPECTF--
bool(false)
fail AADSTS700016
bool(true)
