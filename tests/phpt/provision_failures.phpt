--TEST--
provision: declined and expired sign-in, Conditional Access, an admin without rights, the tenant's secret lifetime policy, a foreign state: each fails with step, code and a fix
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$request = [
    'state_key' => str_repeat("\x07", 32),
    'instance_url' => sbx_instance_url(),
    'app_name' => 'PHPT failures',
];

function show(string $label, array $r): void
{
    $e = $r['error'] ?? null;
    printf("%s: %s %s %s fix=%s steps=%d state=%s\n", $label, $r['status'], $e['step'] ?? '-', $e['code'] ?? '-',
        var_export(is_string($e['fix'] ?? null) && $e['fix'] !== '', true), count($r['steps']),
        var_export(is_string($r['state']) && $r['state'] !== '', true));
}

/** A sign-in answered by the control API: approve as $user, or decline / expire. */
function after_sign_in(array $request, string $action, ?string $user = null): array
{
    $r = wpcrm_provision($request);
    $body = ['user_code' => $r['sign_in']['user_code']];
    if ($user !== null) {
        $body['user'] = $user;
    }
    sbx_call('POST', "/_sandbox/device/$action", $body);
    return wpcrm_provision(['state' => $r['state']] + $request);
}

show('declined', after_sign_in($request, 'decline'));
show('expired', after_sign_in($request, 'expire'));
show('blocked', after_sign_in($request, 'approve', Fixtures::user('blocked')['upn']));
show('maker', after_sign_in($request, 'approve', Fixtures::user('maker')['upn']));
sbx_call('POST', '/_sandbox/config', ['secret_max_lifetime_days' => 90]);
show('policy', after_sign_in($request, 'approve'));
show('too long', wpcrm_provision(['secret_lifetime_days' => 731] + $request));
show('foreign state', wpcrm_provision(['state' => 'wpcrm.s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] + $request));
$other = wpcrm_provision(['state_key' => str_repeat("\x08", 32)] + $request);
show('other key', wpcrm_provision(['state' => $other['state']] + $request));
?>
--EXPECT--
declined: failed sign_in AADSTS65004 fix=true steps=11 state=true
expired: failed sign_in expired_token fix=true steps=11 state=true
blocked: failed sign_in AADSTS53003 fix=true steps=11 state=true
maker: failed preflight cannot_register_apps fix=true steps=11 state=true
policy: failed client_secret CredentialInvalidLifetimeAsPerAppPolicy fix=true steps=11 state=true
too long: failed client_secret invalid_secret_lifetime fix=true steps=11 state=true
foreign state: failed - invalid_state fix=true steps=11 state=true
other key: failed - invalid_state fix=true steps=11 state=true
