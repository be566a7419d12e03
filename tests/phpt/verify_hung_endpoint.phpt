--TEST--
verify: a hung token endpoint returns by the deadline with timeout, never a PHP fatal
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
sbx_fault(["method" => "POST", "path" => "/*/oauth2/v2.0/token", "kind" => "hang"]);
$t0 = microtime(true);
$r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account"], "timeout" => 2]);
$wall = microtime(true) - $t0;
var_dump($r["ok"], $wall >= 1.5 && $wall < 3.5);
$t = report_check($r, "token");
echo $t["status"], " ", $t["code"], "\n";
var_dump(report_check($r, "app_user")["status"]);
echo "still running\n";
?>
--EXPECTF--
bool(false)
bool(true)
fail timeout
string(%d) "%s"
still running
