--TEST--
config: an unusable wpcrm.proxy is a Wpcrm\ConfigurationException on every call (never a secret in it)
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--INI--
wpcrm.proxy=http://proxyuser:Pr0xyPassw0rd@[::1
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
Wpcrm\ConfigurationException 1 wpcrm.proxy is not a valid proxy URL (the value is not shown: it may contain credentials)
bool(true)
bool(false)
bool(false)
Wpcrm\ConfigurationException 1 wpcrm.proxy is not a valid proxy URL (the value is not shown: it may contain credentials)
bool(true)
bool(false)
bool(false)
