--TEST--
provision action renew: a connection named only by what a site saved (no setup state) gets a new secret in one sign-in; forget_secret removes only this site's older secrets; request fields are strictly typed
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
sbx_call('POST', '/_sandbox/config', ['secret_activation_delay_ms' => 1500]);
$app = Fixtures::app('wp-ok');

function ids(array $r): string
{
    return implode(' ', array_map(fn ($s) => $s['id'] . '=' . $s['status'], $r['steps']));
}

$request = [
    'action' => 'renew',
    'state_key' => str_repeat("\x09", 32),
    'site_id' => 'https://phpt-renew.example',
    'instance_url' => sbx_instance_url(),
    'application_id' => $app['app_id'],
    'tenant_id' => Fixtures::tenant()['id'],
    'secret_lifetime_days' => 30,
    'tables' => ['contact'],
    'timeout' => 20,
];
$r = wpcrm_provision($request);
echo $r['status'], "\n", ids($r), "\n";
[$status] = sbx_call('POST', '/_sandbox/device/approve', ['user_code' => $r['sign_in']['user_code']]);
var_dump($status);
for ($i = 0; $i < 10; $i++) {
    $r = wpcrm_provision(['state' => $r['state']] + $request);
    if ($r['status'] !== 'in_progress' && $r['status'] !== 'sign_in_required') {
        break;
    }
}
echo $r['status'], "\n", ids($r), "\n";
$c = $r['connection'];
var_dump($c['application_id'] === $app['app_id'], $c['client_secret'] !== Fixtures::secret('wp-ok')['value'], strlen($c['client_secret']) >= 16, $r['verification']['ok']);
$creds = fn () => array_column(array_values(array_filter(sbx_call('GET', '/_sandbox/state')[1]['applications'], fn ($a) => $a['appId'] === $app['app_id']))[0]['passwordCredentials'], 'keyId');
var_dump(count($creds()));

$f = wpcrm_provision(['state' => $r['state'], 'action' => 'forget_secret'] + $request);
echo $f['status'], ' ', var_export($f['connection']['client_secret'], true), "\n";
// The seeded secret does not carry this site's mark: it stays, beside the new one.
var_dump(count($creds()), in_array($c['secret_key_id'], $creds(), true));

try {
    wpcrm_provision(['application_id' => 123] + $request);
} catch (TypeError $e) {
    echo get_class($e), "\n";
}
$bad = wpcrm_provision(['application_id' => 'not-a-guid'] + $request);
echo $bad['error']['code'], "\n";
?>
--EXPECT--
sign_in_required
sign_in=running application=pending client_secret=pending secret_active=pending verify=pending
int(204)
done
sign_in=done application=done client_secret=done secret_active=done verify=done
bool(true)
bool(true)
bool(true)
bool(true)
int(2)
done ''
int(2)
bool(true)
TypeError
connection_required
