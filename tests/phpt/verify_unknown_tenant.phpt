--TEST--
verify: an unknown tenant fails with AADSTS90002
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$not_a_seeded_tenant = "00000000-0000-4000-8000-0000000000aa";
$r = wpcrm_verify_connection(sbx_connection("wp-ok", ["tenant_id" => $not_a_seeded_tenant]), ["tables" => ["account"]]);
var_dump($r["ok"]);
print_r(failed_checks($r));
assert_no_secret($r);
?>
--EXPECTF--
bool(false)
Array
(
    [0] => %s AADSTS90002
)
