--TEST--
verify: a Secret ID pasted where the secret Value belongs is recognised and named
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-ok", ["client_secret" => Fixtures::secret("wp-ok")["key_id"]]), ["tables" => ["account"]]);
var_dump($r["ok"]);
$said = false;
foreach ($r["checks"] as $c) {
    if ($c["status"] !== "pass" && $c["status"] !== "skip" && stripos($c["detail"] . " " . $c["fix"], "secret id") !== false) {
        $said = true;
    }
}
var_dump($said);
var_dump(report_check($r, "app_user")["status"]);
?>
--EXPECTF--
bool(false)
bool(true)
string(4) "skip"
