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

# The seeded connection of docs/sandbox.md, read from seed/default.json (a sandbox-only secret, not a
# real one).
wpcrm_seeded_connection
status=0
wpcrm_php -- "$WPCRM_SEED_INSTANCE_URL" "$WPCRM_SEED_APP_ID" "$WPCRM_SEED_SECRET" "$WPCRM_SEED_TENANT_ID" <<'PHP' || status=$?
<?php
[, $instance_url, $application_id, $client_secret, $tenant_id] = $argv;
$connection = [
    'instance_url' => $instance_url,
    'application_id' => $application_id,
    'client_secret' => $client_secret,
    'tenant_id' => $tenant_id,
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
