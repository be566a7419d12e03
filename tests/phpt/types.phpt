--TEST--
PHP types are checked strictly: a TypeError names the key and the type given, never the value
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
$cases = [
    'connection not an array' => fn () => wpcrm_verify_connection('https://x'),
    'options not an array' => fn () => wpcrm_verify_connection([], 'tables'),
    'instance_url int' => fn () => wpcrm_verify_connection(['instance_url' => 42]),
    'application_id array' => fn () => wpcrm_verify_connection(['application_id' => []]),
    'client_secret int' => fn () => wpcrm_verify_connection(['client_secret' => 123456789]),
    'tenant_id bool' => fn () => wpcrm_verify_connection(['tenant_id' => true]),
    'tables string' => fn () => wpcrm_verify_connection([], ['tables' => 'account']),
    'tables list item int' => fn () => wpcrm_verify_connection([], ['tables' => ['account', 7]]),
    'tables access not a list' => fn () => wpcrm_verify_connection([], ['tables' => ['lead' => 'read']]),
    'tables access item int' => fn () => wpcrm_verify_connection([], ['tables' => ['lead' => ['read', 1]]]),
    'timeout string' => fn () => wpcrm_verify_connection([], ['timeout' => '5']),
    'secret_expires_at int' => fn () => wpcrm_verify_connection([], ['secret_expires_at' => 1700000000]),
    'provision request not an array' => fn () => wpcrm_provision(null),
    'state_key int' => fn () => wpcrm_provision(['state_key' => 12345678]),
    'secret_lifetime_days string' => fn () => wpcrm_provision(['state_key' => str_repeat('k', 32), 'secret_lifetime_days' => '90']),
    'create_role string' => fn () => wpcrm_provision(['state_key' => str_repeat('k', 32), 'create_role' => 'yes']),
    'roles string' => fn () => wpcrm_provision(['state_key' => str_repeat('k', 32), 'roles' => 'Basic User']),
    'roles item int' => fn () => wpcrm_provision(['state_key' => str_repeat('k', 32), 'roles' => [1]]),
];
foreach ($cases as $name => $call) {
    try {
        $call();
        echo "$name: no exception\n";
    } catch (\TypeError $e) {
        echo "$name: ", get_class($e), ": ", $e->getMessage(), "\n";
    }
}
// The secret's value never appears in the message, whatever its type.
try {
    wpcrm_verify_connection(['client_secret' => ['Sbx8Q~hidden']]);
} catch (\TypeError $e) {
    var_dump(str_contains($e->getMessage(), 'hidden'));
}
?>
--EXPECTF--
connection not an array: TypeError: %s
options not an array: TypeError: %s
instance_url int: TypeError: wpcrm_verify_connection(): $connection['instance_url'] must be of type ?string, int given
application_id array: TypeError: wpcrm_verify_connection(): $connection['application_id'] must be of type ?string, array given
client_secret int: TypeError: wpcrm_verify_connection(): $connection['client_secret'] must be of type ?string, int given
tenant_id bool: TypeError: wpcrm_verify_connection(): $connection['tenant_id'] must be of type ?string, bool given
tables string: TypeError: wpcrm_verify_connection(): $options['tables'] must be of type ?array, string given
tables list item int: TypeError: wpcrm_verify_connection(): $options['tables'] must be of type list<string>|array<string, list<string>>, int given
tables access not a list: TypeError: wpcrm_verify_connection(): $options['tables']['lead'] must be of type list<string>, string given
tables access item int: TypeError: wpcrm_verify_connection(): $options['tables']['lead'] must be of type list<string>, int given
timeout string: TypeError: wpcrm_verify_connection(): $options['timeout'] must be of type int|float|null, string given
secret_expires_at int: TypeError: wpcrm_verify_connection(): $options['secret_expires_at'] must be of type ?string, int given
provision request not an array: TypeError: %s
state_key int: TypeError: wpcrm_provision(): $request['state_key'] must be of type ?string, int given
secret_lifetime_days string: TypeError: wpcrm_provision(): $request['secret_lifetime_days'] must be of type ?int, string given
create_role string: TypeError: wpcrm_provision(): $request['create_role'] must be of type ?bool, string given
roles string: TypeError: wpcrm_provision(): $request['roles'] must be of type ?array, string given
roles item int: TypeError: wpcrm_provision(): $request['roles'] must be of type list<string>, int given
bool(false)
