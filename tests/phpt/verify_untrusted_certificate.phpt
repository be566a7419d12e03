--TEST--
verify: without wpcrm.ca_file the sandbox certificate is untrusted: code tls, no secret sent
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--INI--
wpcrm.ca_file=
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection("wp-ok"), ["tables" => ["account"]]);
var_dump($r["ok"]);
$f = failed_checks($r);
echo $f[0], "\n";
var_dump(report_check($r, "app_user")["status"]);
$tokens = array_filter(sbx_service_requests(), fn ($q) => str_ends_with($q["path"], "/oauth2/v2.0/token"));
var_dump(count($tokens));
?>
--EXPECTF--
bool(false)
%s tls
string(4) "skip"
int(0)
