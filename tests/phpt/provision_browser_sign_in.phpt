--TEST--
provision: the browser sign-in (sign_in_method 'browser'): an authorize link with S256 PKCE, the pasted http://localhost address finishes the run; a wrong method is refused, a non-string is a TypeError
--SKIPIF--
<?php if (!extension_loaded("wpcrm")) die("skip wpcrm not loaded"); ?>
--FILE--
<?php
require __DIR__ . '/sandbox.inc';
sbx_reset();
$request = [
    'state_key' => str_repeat("\x09", 32),
    'instance_url' => sbx_instance_url(),
    'app_name' => 'PHPT browser sign-in',
    'tables' => ['contact'],
    'sign_in_method' => 'browser',
];

/** GET or POST (a form) on the sandbox with its CA, no redirects: [status, headers, body]. */
function page(string $url, ?array $form = null): array
{
    $context = stream_context_create([
        'http' => [
            'method' => $form === null ? 'GET' : 'POST',
            'header' => "Content-Type: application/x-www-form-urlencoded\r\n",
            'content' => $form === null ? '' : http_build_query($form),
            'ignore_errors' => true,
            'follow_location' => 0,
            'timeout' => 10,
        ],
        'ssl' => ['cafile' => sbx_ca(), 'verify_peer' => true, 'verify_peer_name' => true],
    ]);
    $body = (string) file_get_contents($url, false, $context);
    preg_match('#^HTTP/\S+\s+(\d{3})#', $http_response_header[0], $m);
    return [(int) $m[1], $http_response_header, $body];
}

$r = wpcrm_provision($request);
$s = $r['sign_in'];
printf("%s %s user_code=%s redirect=%s link=%s s256=%s\n", $r['status'], $s['method'], var_export($s['user_code'], true),
    $s['redirect_uri'], var_export(str_starts_with($s['authorize_url'], sbx_url() . '/organizations/oauth2/v2.0/authorize?'), true),
    var_export(str_contains($s['authorize_url'], 'code_challenge_method=S256'), true));

[$status, , $html] = page($s['authorize_url']);
preg_match_all('/<input type="hidden" name="([^"]+)" value="([^"]*)">/', $html, $m, PREG_SET_ORDER);
$form = [];
foreach ($m as $input) {
    $form[$input[1]] = html_entity_decode($input[2], ENT_QUOTES);
}
$admin = Fixtures::admin();
[$status, $headers] = page(strtok($s['authorize_url'], '?'), $form + ['email' => $admin['upn'], 'password' => $admin['password'], 'decision' => 'signin']);
$location = '';
foreach ($headers as $h) {
    if (stripos($h, 'location:') === 0) {
        $location = trim(substr($h, 9));
    }
}
printf("sign-in page %d, sent to %s\n", $status, parse_url($location, PHP_URL_SCHEME) . '://' . parse_url($location, PHP_URL_HOST));

$r = wpcrm_provision(['state' => $r['state'], 'sign_in_response_url' => $location] + $request);
for ($i = 0; $i < 20 && $r['status'] === 'in_progress'; $i++) {
    $r = wpcrm_provision(['state' => $r['state']] + $request);
}
echo $r['status'], ' ', $r['steps'][0]['id'], '=', $r['steps'][0]['status'], "\n";
parse_str((string) parse_url($location, PHP_URL_QUERY), $q);
echo 'code in the answer: ', var_export(str_contains(json_encode($r), $q['code']), true), "\n";

$bad = wpcrm_provision(['sign_in_method' => 'password'] + $request);
echo $bad['status'], ' ', $bad['error']['code'], "\n";
try {
    wpcrm_provision(['sign_in_method' => 42] + $request);
} catch (TypeError $e) {
    echo "TypeError\n";
}
?>
--EXPECT--
sign_in_required browser user_code='' redirect=http://localhost link=true s256=true
sign-in page 302, sent to http://localhost
done sign_in=done
code in the answer: false
failed invalid_sign_in_method
TypeError
