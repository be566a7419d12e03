--TEST--
A Rust panic becomes a PHP \Error (code WPCRM_ERR_INTERNAL) without its message, and PHP keeps running
--SKIPIF--
<?php
if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded");
$so = getenv("WPCRM_SO_DEBUG");
if (!$so || !is_file($so)) die("skip the debug build (WPCRM_SO_DEBUG) carries the test-only panic trigger");
?>
--FILE--
<?php
// The trigger exists only in debug builds and only fires when WPCRM_TEST_PANIC names the function;
// its panic message carries a fake secret that must appear nowhere.
$script = <<<'PHP'
foreach (['wpcrm_verify_connection' => fn () => wpcrm_verify_connection([]),
          'wpcrm_provision' => fn () => wpcrm_provision(['state_key' => str_repeat('k', 32)])] as $name => $call) {
    putenv("WPCRM_TEST_PANIC=$name");
    try {
        $call();
        echo "$name: no exception\n";
    } catch (\Exception $e) {
        echo "$name: caught as \\Exception (wrong)\n";
    } catch (\Error $e) {
        printf("%s: %s %d %s\n", $name, get_class($e), $e->getCode(), $e->getMessage());
        var_dump(str_contains($e->getMessage(), 'panicSecret'));
    }
}
echo "alive\n";
PHP;
$process = proc_open([PHP_BINARY, '-n', '-d', 'extension=' . getenv('WPCRM_SO_DEBUG'), '-r', $script],
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
$stdout = stream_get_contents($pipes[1]);
$stderr = stream_get_contents($pipes[2]);
$status = proc_close($process);
echo $stdout;
echo "exit status: $status\n";
var_dump(str_contains($stderr, 'panicSecret'), substr_count($stderr, 'message withheld'));
?>
--EXPECT--
wpcrm_verify_connection: Error 4 wpcrm_verify_connection(): internal error in wpcrm (a bug, please report it); details are withheld because they may contain secrets
bool(false)
wpcrm_provision: Error 4 wpcrm_provision(): internal error in wpcrm (a bug, please report it); details are withheld because they may contain secrets
bool(false)
alive
exit status: 0
bool(false)
int(2)
