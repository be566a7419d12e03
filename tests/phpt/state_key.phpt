--TEST--
wpcrm_provision(): a state_key that is not exactly 32 bytes is a Wpcrm\InvalidArgumentException
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
$keys = ['missing' => null, 'empty' => '', '31 bytes' => str_repeat("\x01", 31), '33 bytes' => str_repeat("\xff", 33),
    '32 characters, 64 bytes' => str_repeat('é', 32)];
foreach ($keys as $name => $key) {
    $request = ['app_name' => 'WordPress'];
    if ($key !== null) {
        $request['state_key'] = $key;
    }
    try {
        wpcrm_provision($request);
        echo "$name: accepted\n";
    } catch (Wpcrm\InvalidArgumentException $e) {
        printf("%s: %s %d %s | is Wpcrm\\Exception: %s\n", $name, get_class($e), $e->getCode(), $e->getMessage(),
            var_export($e instanceof Wpcrm\Exception && $e instanceof \Exception, true));
    }
}
var_dump(WPCRM_ERR_INVALID_ARGUMENT);
// The timeout option is range-checked the same way.
try {
    wpcrm_verify_connection([], ['timeout' => 0]);
} catch (Wpcrm\InvalidArgumentException $e) {
    echo $e->getMessage(), "\n";
}
?>
--EXPECT--
missing: Wpcrm\InvalidArgumentException 2 wpcrm_provision(): $request['state_key'] is required (32 bytes) | is Wpcrm\Exception: true
empty: Wpcrm\InvalidArgumentException 2 wpcrm_provision(): $request['state_key'] must be exactly 32 bytes, 0 given | is Wpcrm\Exception: true
31 bytes: Wpcrm\InvalidArgumentException 2 wpcrm_provision(): $request['state_key'] must be exactly 32 bytes, 31 given | is Wpcrm\Exception: true
33 bytes: Wpcrm\InvalidArgumentException 2 wpcrm_provision(): $request['state_key'] must be exactly 32 bytes, 33 given | is Wpcrm\Exception: true
32 characters, 64 bytes: Wpcrm\InvalidArgumentException 2 wpcrm_provision(): $request['state_key'] must be exactly 32 bytes, 64 given | is Wpcrm\Exception: true
int(2)
wpcrm_verify_connection(): $options['timeout'] must be a number of seconds above 0 and at most 3600
