--TEST--
provision: sign in through the sandbox's control API, provision to done with a passing verification, repeat, roll back to the sandbox as it was
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
[, $before] = sbx_call('GET', '/_sandbox/state');

function steps(array $r): string
{
    return implode(' ', array_map(fn ($s) => $s['id'] . '=' . $s['status'], $r['steps']));
}

function drive(array $request): array
{
    for ($i = 0; $i < 20; $i++) {
        $r = wpcrm_provision($request);
        if ($r['status'] !== 'in_progress') {
            return $r;
        }
        $request['state'] = $r['state'];
    }
    throw new RuntimeException('no end');
}

$request = [
    'state_key' => str_repeat("\x07", 32),
    'instance_url' => sbx_instance_url(),
    'app_name' => 'PHPT site',
    'site_id' => 'https://phpt.example',
    'tables' => ['incident', 'lead' => ['read', 'write']],
    'create_role' => true,
];
$r = wpcrm_provision($request);
echo $r['status'], ' ', implode(',', array_keys($r['sign_in'])), "\n";
echo steps($r), "\n";
var_dump(is_string($r['state']) && $r['state'] !== '');
[$status] = sbx_call('POST', '/_sandbox/device/approve', ['user_code' => $r['sign_in']['user_code']]);
var_dump($status);

$request['state'] = $r['state'];
$done = drive($request);
echo $done['status'], "\n";
echo steps($done), "\n";
echo implode(',', array_keys($done['connection'])), "\n";
$c = $done['connection'];
var_dump($c['instance_url'] === sbx_instance_url(), $c['tenant_id'] === Fixtures::tenant()['id'], strlen($c['client_secret']) >= 16);
echo $done['verification']['status'], "\n";
print_checks($done['verification']);
// Nothing secret outside connection.client_secret (and the sealed state).
$shown = $done;
unset($shown['connection']['client_secret'], $shown['state']);
$json = json_encode($shown, JSON_UNESCAPED_SLASHES);
var_dump(str_contains($json, $c['client_secret']), (bool) preg_match('/eyJ[A-Za-z0-9_-]{10,}\./', $json));

// The same state again: done, nothing new.
$again = wpcrm_provision(['state' => $done['state']] + $request);
var_dump($again['status'], $again['connection']['application_id'] === $c['application_id']);
[, $state] = sbx_call('GET', '/_sandbox/state');
var_dump(count(array_filter($state['applications'], fn ($a) => $a['displayName'] === 'PHPT site')));

// Roll back: the sandbox is as it was.
// A done state keeps no admin tokens: the rollback asks for a sign-in first.
$rb = wpcrm_provision(['state' => $done['state'], 'action' => 'rollback'] + $request);
echo $rb['status'], "\n";
sbx_call('POST', '/_sandbox/device/approve', ['user_code' => $rb['sign_in']['user_code']]);
$rb = wpcrm_provision(['state' => $rb['state'], 'action' => 'rollback'] + $request);
echo $rb['status'], "\n", steps($rb), "\n";
[, $after] = sbx_call('GET', '/_sandbox/state');
var_dump($after == $before);
?>
--EXPECT--
sign_in_required method,user_code,verification_uri,message,expires_at
sign_in=running environment=pending preflight=pending register_app=pending service_principal=pending client_secret=pending business_unit=pending app_user=pending roles=pending custom_role=pending verify=pending
bool(true)
int(204)
done
sign_in=done environment=done preflight=done register_app=done service_principal=done client_secret=done business_unit=done app_user=done roles=done custom_role=done verify=done
instance_url,tenant_id,application_id,client_secret,secret_expires_at,secret_key_id,application_object_id,service_principal_id,application_user_id,role_id
bool(true)
bool(true)
bool(true)
pass
input pass -
tenant pass -
token pass -
app_user pass -
metadata pass -
table:incident pass -
table:lead pass -
privilege_audit pass -
secret_expiry pass -
bool(false)
bool(false)
string(4) "done"
bool(true)
int(1)
sign_in_required
done
remove_role_assignment=done delete_custom_role=done disable_app_user=done delete_app_user=done remove_client_secret=skipped delete_service_principal=done delete_application=done
bool(true)
