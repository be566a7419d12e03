--TEST--
hostile input from PHP: non-UTF-8, NUL bytes, oversized strings and 10 000 tables give clear failed checks, bounded in time and memory, with no request
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$big = str_repeat('a', 8 << 20);
$cases = [
    'instance_url not UTF-8' => ['instance_url' => "https://\xff\xfe.crm.dynamics.com"],
    'instance_url Latin-1 host' => ['instance_url' => "https://cont\xf6so.crm.dynamics.com"],
    'instance_url with NUL' => ['instance_url' => "https://contoso.crm.dynamics.com\0.evil.test"],
    'instance_url 8 MiB' => ['instance_url' => "https://$big.crm.dynamics.com"],
    'application_id not UTF-8' => ['application_id' => "\xc3\x28\xa0\xa1"],
    'application_id 8 MiB' => ['application_id' => $big],
    'client_secret not UTF-8' => ['client_secret' => "Sbx8Q~\xff\xfe\xfd"],
    'tenant_id not UTF-8' => ['tenant_id' => "\x80" . Fixtures::tenant()['domain']],
    'tenant_id with CRLF' => ['tenant_id' => Fixtures::tenant()['domain'] . "\r\nX-Injected: 1"],
];
foreach ($cases as $name => $override) {
    $t = microtime(true);
    try {
        $r = wpcrm_verify_connection(sbx_connection('wp-ok', $override), ['tables' => ['account'], 'timeout' => 5]);
        assert_no_secret($r);
        $failed = failed_checks($r);
        printf("%s: %s requests=%d fast=%s report_kb<64=%s\n", $name, $failed[0] ?? 'none failed', $r['requests'],
            var_export(microtime(true) - $t < 3, true), var_export(strlen(json_encode($r, JSON_INVALID_UTF8_SUBSTITUTE)) < 65536, true));
    } catch (\Throwable $e) {
        printf("%s: %s: %s\n", $name, get_class($e), substr($e->getMessage(), 0, 200));
    }
}
unset($big);

// 10 000 table names: refused before any request, quickly, without a huge report.
$mem = memory_get_usage();
$t = microtime(true);
$tables = [];
for ($i = 0; $i < 10000; $i++) {
    $tables[] = "t$i";
}
$r = wpcrm_verify_connection(sbx_connection('wp-ok'), ['tables' => $tables, 'timeout' => 5]);
printf("10000 tables: %s requests=%d fast=%s report_kb<256=%s\n", report_check($r, 'input')['code'], $r['requests'],
    var_export(microtime(true) - $t < 2, true), var_export(strlen(json_encode($r)) < 262144, true));
$r = wpcrm_verify_connection(sbx_connection('wp-ok'), ['tables' => array_fill_keys($tables, ['read', 'write']), 'timeout' => 5]);
printf("10000 tables as a map: %s requests=%d\n", report_check($r, 'input')['code'], $r['requests']);
unset($r, $tables);
printf("memory returned: %s\n", var_export(memory_get_usage() - $mem < (1 << 20), true));
// Only the non-UTF-8 secret reached the sandbox (a wrong secret, at its own tenant's token endpoint).
var_dump(count(sbx_service_requests()));
?>
--EXPECTF--
instance_url not UTF-8: input invalid_instance_url requests=0 fast=true report_kb<64=true
instance_url Latin-1 host: input invalid_instance_url requests=0 fast=true report_kb<64=true
instance_url with NUL: input invalid_instance_url requests=0 fast=true report_kb<64=true
instance_url 8 MiB: input invalid_instance_url requests=0 fast=true report_kb<64=true
application_id not UTF-8: input invalid_application_id requests=0 fast=true report_kb<64=true
application_id 8 MiB: input invalid_application_id requests=0 fast=true report_kb<64=true
client_secret not UTF-8: token AADSTS7000215 requests=1 fast=true report_kb<64=true
tenant_id not UTF-8: input invalid_tenant_id requests=0 fast=true report_kb<64=true
tenant_id with CRLF: input invalid_tenant_id requests=0 fast=true report_kb<64=true
10000 tables: too_many_tables requests=0 fast=true report_kb<256=true
10000 tables as a map: too_many_tables requests=0
memory returned: true
int(1)
