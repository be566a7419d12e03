--TEST--
phpinfo: versions, clouds and which settings are set; never the proxy's credentials; settings are PHP_INI_SYSTEM
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--INI--
wpcrm.proxy=http://proxyuser:Pr0xyPassw0rd@127.0.0.1:3128
wpcrm.sandbox_url=https://127.0.0.1:8443
wpcrm.ca_file=/etc/ssl/certs/ca-certificates.crt
wpcrm.timeout=7
--FILE--
<?php
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match('/\nwpcrm\n\n.*?\nwpcrm\.admin_client_id => [^\n]*/s', $info, $m);
echo trim($m[0]), "\n";
var_dump(str_contains($info, 'Pr0xyPassw0rd'), str_contains($info, 'proxyuser'));
var_dump(ini_set('wpcrm.timeout', '1'), ini_get('wpcrm.timeout'));
var_dump(WPCRM_VERSION === phpversion('wpcrm'), WPCRM_API_VERSION);
?>
--EXPECTF--
wpcrm

wpcrm support => enabled
Extension version => %d.%d.%d
Engine version => %d.%d.%d
PHP API version => 1
Supported clouds => public, gcc, usgovhigh, usgovdod, china, sandbox

Directive => Value
wpcrm.sandbox_url => https://127.0.0.1:8443
wpcrm.ca_file => set
wpcrm.proxy => set
wpcrm.timeout => 7
wpcrm.admin_client_id => 04b07795-8ddb-461a-bbee-02f9e1bf7b46
bool(false)
bool(false)
bool(false)
string(1) "7"
bool(true)
int(1)
