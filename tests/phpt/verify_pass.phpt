--TEST--
verify: the seeded wp-ok connection passes every check, with the report shape of DESIGN.md
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$r = wpcrm_verify_connection(sbx_connection('wp-ok'), ['tables' => SBX_DEMO_TABLES]);
var_dump(array_keys($r));
var_dump($r['ok'], $r['status'], $r['cloud'], $r['instance_url'] === sbx_instance_url(), $r['tenant_id'] === Fixtures::tenant()['id']);
var_dump(array_keys($r['identity']));
print_checks($r);
var_dump(array_keys($r['tables']));
var_dump($r['tables']['lead']['exists'], $r['tables']['lead']['access']);
var_dump($r['tables']['incident']['entity_set'], $r['tables']['incident']['display_name']);
var_dump(array_keys($r['checks'][0]));
var_dump(is_int($r['elapsed_ms']), is_int($r['requests']) && $r['requests'] > 0);
assert_no_secret($r);
?>
--EXPECTF--
array(11) {
  [0]=>
  string(2) "ok"
  [1]=>
  string(6) "status"
  [2]=>
  string(12) "instance_url"
  [3]=>
  string(5) "cloud"
  [4]=>
  string(9) "tenant_id"
  [5]=>
  string(8) "identity"
  [6]=>
  string(6) "checks"
  [7]=>
  string(6) "tables"
  [8]=>
  string(10) "elapsed_ms"
  [9]=>
  string(8) "requests"
  [10]=>
  string(5) "audit"
}
bool(true)
string(4) "pass"
string(7) "sandbox"
bool(true)
bool(true)
array(3) {
  [0]=>
  string(7) "user_id"
  [1]=>
  string(16) "business_unit_id"
  [2]=>
  string(15) "organization_id"
}
input pass -
tenant pass -
token pass -
app_user pass -
metadata pass -
table:account pass -
table:contact pass -
table:lead pass -
table:incident pass -
privilege_audit pass -
secret_expiry %s -
array(4) {
  [0]=>
  string(7) "account"
  [1]=>
  string(7) "contact"
  [2]=>
  string(8) "incident"
  [3]=>
  string(4) "lead"
}
bool(true)
array(3) {
  ["create"]=>
  string(6) "global"
  ["read"]=>
  string(6) "global"
  ["write"]=>
  string(6) "global"
}
string(9) "incidents"
string(4) "Case"
array(12) {
  [0]=>
  string(2) "id"
  [1]=>
  string(6) "status"
  [2]=>
  string(5) "title"
  [3]=>
  string(6) "detail"
  [4]=>
  string(3) "fix"
  [5]=>
  string(4) "code"
  [6]=>
  string(10) "elapsed_ms"
  [7]=>
  string(9) "detail_id"
  [8]=>
  string(6) "fix_id"
  [9]=>
  string(6) "params"
  [10]=>
  string(10) "repairable"
  [11]=>
  string(6) "repair"
}
bool(true)
bool(true)
