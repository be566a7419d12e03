--TEST--
config: an unusable wpcrm.sandbox_url is a Wpcrm\ConfigurationException on every call (never a secret in it)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--INI--
wpcrm.sandbox_url=https://user:Passw0rd@127.0.0.1:8443/contoso
--FILE--
<?php
for ($i = 0; $i < 2; $i++) {
    try {
        wpcrm_verify_connection(['instance_url' => 'https://contoso.crm.dynamics.com', 'client_secret' => 'Sbx8Q~configTestValue']);
        echo "no exception\n";
    } catch (Wpcrm\ConfigurationException $e) {
        printf("%s %d %s\n", get_class($e), $e->getCode(), $e->getMessage());
        var_dump($e instanceof Wpcrm\Exception, str_contains($e->getMessage(), 'Passw0rd'), str_contains($e->getMessage(), 'configTestValue'));
    }
}
?>
--EXPECTF--
Wpcrm\ConfigurationException 1 wpcrm.sandbox_url must be an https origin such as https://127.0.0.1:8443 (no path, no user info)
bool(true)
bool(false)
bool(false)
Wpcrm\ConfigurationException 1 wpcrm.sandbox_url must be an https origin such as https://127.0.0.1:8443 (no path, no user info)
bool(true)
bool(false)
bool(false)
