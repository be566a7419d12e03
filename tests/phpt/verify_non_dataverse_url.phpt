--TEST--
verify: URLs that are not a Dataverse host of a known cloud are rejected without any request
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$urls = [
    "https://example.com",
    "https://contoso.crm.dynamics.com.evil.example",
    "http://contoso.crm.dynamics.com",
    "https://admin@contoso.crm.dynamics.com",
    "https://127.0.0.2:8443/contoso",
    "https://login.microsoftonline.com/contoso",
    "not a url",
];
foreach ($urls as $url) {
    $r = wpcrm_verify_connection(sbx_connection("wp-ok", ["instance_url" => $url]), ["tables" => ["account"]]);
    $input = report_check($r, "input");
    printf("%s: %s requests=%d skipped=%d\n", $url, $input["status"], $r["requests"],
        count(array_filter($r["checks"], fn ($c) => $c["status"] === "skip")));
}
$r = wpcrm_verify_connection(sbx_connection("wp-ok", ["instance_url" => "https://example.com"]));
echo report_check($r, "input")["code"], "\n";
var_dump(sbx_service_requests());
?>
--EXPECTF--
https://example.com: fail requests=0 skipped=%d
https://contoso.crm.dynamics.com.evil.example: fail requests=0 skipped=%d
http://contoso.crm.dynamics.com: fail requests=0 skipped=%d
https://admin@contoso.crm.dynamics.com: fail requests=0 skipped=%d
https://127.0.0.2:8443/contoso: fail requests=0 skipped=%d
https://login.microsoftonline.com/contoso: fail requests=0 skipped=%d
not a url: fail requests=0 skipped=%d
invalid_instance_url
array(0) {
}
