#!/usr/bin/env bash
# `make demo`: installs what is missing, builds the extension and the sandbox, starts the sandbox,
# verifies the seeded `wp-ok` connection from PHP through the extension, prints the report as a
# table, stops the sandbox, and exits non-zero when the verification fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# shellcheck source=php-ext-env.sh
source scripts/php-ext-env.sh
wpcrm_env_up
echo "sandbox: $WPCRM_SANDBOX_URL (log: $WPCRM_SANDBOX_LOG)"

# The seeded connection of docs/sandbox.md (a sandbox-only secret, not a real one).
status=0
wpcrm_php <<'PHP' || status=$?
<?php
$sandbox = ini_get('wpcrm.sandbox_url');
$connection = [
    'instance_url' => "$sandbox/contoso",
    'application_id' => '11111111-1111-4111-8111-111111111111',
    'client_secret' => 'Sbx8Q~okSecretValue.0000000000000000000001',
    'tenant_id' => '8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e',
];
$options = ['tables' => ['account', 'contact', 'lead' => ['read', 'create', 'write'], 'incident']];

echo "wpcrm ", phpversion('wpcrm'), ": wpcrm_verify_connection({$connection['instance_url']}, app {$connection['application_id']})\n\n";
$report = wpcrm_verify_connection($connection, $options);

/** Prints rows as a table whose long cells wrap inside their column. */
function table(array $header, array $rows, array $widths): void
{
    $rule = '+' . implode('+', array_map(fn ($w) => str_repeat('-', $w + 2), $widths)) . "+\n";
    $print = function (array $cells) use ($widths) {
        $wrapped = array_map(fn ($c, $w) => explode("\n", wordwrap((string) $c, $w, "\n", true)), $cells, $widths);
        $height = max(array_map('count', $wrapped));
        for ($line = 0; $line < $height; $line++) {
            $parts = [];
            foreach ($wrapped as $i => $lines) {
                $parts[] = str_pad($lines[$line] ?? '', $widths[$i]);
            }
            echo '| ', implode(' | ', $parts), " |\n";
        }
    };
    echo $rule;
    $print($header);
    echo $rule;
    foreach ($rows as $row) {
        $print($row);
    }
    echo $rule;
}

$rows = [];
foreach ($report['checks'] as $check) {
    $detail = $check['detail'] . ($check['code'] !== null ? " [{$check['code']}]" : '');
    $rows[] = [$check['id'], strtoupper($check['status']), $check['elapsed_ms'] . ' ms', $detail, $check['fix'] ?? ''];
}
table(['check', 'status', 'time', 'detail', 'fix'], $rows, [16, 6, 8, 48, 36]);

$rows = [];
foreach ($report['tables'] as $name => $table) {
    $access = implode(', ', array_map(fn ($k, $d) => "$k: $d", array_keys($table['access']), $table['access']));
    $rows[] = [$name, $table['exists'] ? 'yes' : 'no', $table['entity_set'] ?? '', $table['display_name'] ?? '', $access];
}
echo "\n";
table(['table', 'exists', 'entity set', 'display name', 'access'], $rows, [16, 6, 14, 14, 40]);

printf("\n%s: status %s, cloud %s, tenant %s, %d requests in %d ms\n",
    $report['ok'] ? 'OK' : 'FAILED', $report['status'], $report['cloud'] ?? '-', $report['tenant_id'] ?? '-',
    $report['requests'], $report['elapsed_ms']);
exit($report['ok'] ? 0 : 1);
PHP
exit "$status"
