--TEST--
verify: secret_expires_at in the past fails, within 30 days warns, later passes
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
foreach (["-2 days", "+10 days", "+200 days"] as $when) {
    $at = gmdate("Y-m-d\\TH:i:s\\Z", strtotime($when));
    $r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account"], "secret_expires_at" => $at]);
    $c = report_check($r, "secret_expiry");
    echo $when, ": ", $c["status"], " ", $r["status"], " ", var_export($r["ok"], true), "\n";
}
?>
--EXPECTF--
-2 days: fail fail false
+10 days: warn warn true
+200 days: pass pass true
