--TEST--
verify: an app blocked by tenant policy fails app_user with 0x80095ffc
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-blocked"), ["tables" => ["account"]]);
var_dump($r["ok"]);
$u = report_check($r, "app_user");
echo $u["status"], " ", $u["code"], "\n";
var_dump($u["fix"] !== null);
?>
--EXPECTF--
bool(false)
fail 0x80095ffc
bool(true)
