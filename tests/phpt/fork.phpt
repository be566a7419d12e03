--TEST--
fork safety (php-fpm forks after MINIT): the engine works in a child forked before and after the first call
--SKIPIF--
<?php
if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded");
if (!function_exists("pcntl_fork")) die("skip pcntl not available");
?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$verify = fn () => wpcrm_verify_connection(sbx_connection('wp-ok'), ['tables' => ['account']])['status'];

// Like php-fpm: the extension is loaded, nothing has run, then the worker forks.
$pid = pcntl_fork();
if ($pid === 0) {
    echo "child before first call: ", $verify(), "\n";
    exit(0);
}
pcntl_waitpid($pid, $status);
echo "child exit: ", pcntl_wexitstatus($status), "\n";

// The parent now creates its engine, then forks again: the child must build its own runtime.
echo "parent: ", $verify(), "\n";
$pid = pcntl_fork();
if ($pid === 0) {
    echo "child after first call: ", $verify(), "\n";
    exit(0);
}
pcntl_waitpid($pid, $status);
echo "child exit: ", pcntl_wexitstatus($status), "\n";
echo "parent again: ", $verify(), "\n";
?>
--EXPECT--
child before first call: pass
child exit: 0
parent: pass
child after first call: pass
child exit: 0
parent again: pass
