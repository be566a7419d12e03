#!/usr/bin/env bash
# Fleet benchmark: N connections (default 100) against the sandbox with 50 ms of latency per request,
# verified three ways side by side, rounds alternating so that all three see the same machine load:
#   one       one wpcrm_verify_connection()                      (the wall time of a single verify)
#   sequence  N wpcrm_verify_connection() calls, one after another (a loop over a network's sites)
#   fleet     one wpcrm_verify_connections() call with the N connections (concurrency C)
#   fleet-all the same call with every connection at once (concurrency N, at most 128)
# Every measurement runs in a fresh PHP process (cold token cache and connection pool, as the first
# call of a WP-CLI run). The connections are the seeded wp-ok, each with its own key and 1 table.
# Prints the median of each.
#
#   scripts/bench-fleet.sh [rounds]        (default 5)
# Knobs: CONNECTIONS (100), CONCURRENCY (16), LATENCY_MS (50), WPCRM_PROFILE, WPCRM_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
n="${CONNECTIONS:-100}"
concurrency="${CONCURRENCY:-16}"
latency="${LATENCY_MS:-50}"
export WPCRM_SANDBOX_ARGS="--latency-ms $latency"
# shellcheck source=php-ext-env.sh
source scripts/php-ext-env.sh
wpcrm_env_up
wpcrm_seeded_connection
export WPCRM_SEED_INSTANCE_URL WPCRM_SEED_APP_ID WPCRM_SEED_SECRET WPCRM_SEED_TENANT_ID

driver="$(mktemp --suffix=.php)"
trap 'rm -f "$driver"; wpcrm_sandbox_stop' EXIT
cat >"$driver" <<'PHP'
<?php
// One measurement: argv[1] = one|sequence|fleet, argv[2] = N, argv[3] = concurrency. Prints "ms pass".
[, $mode, $n, $concurrency] = $argv;
$connection = [
    'instance_url' => getenv('WPCRM_SEED_INSTANCE_URL'),
    'application_id' => getenv('WPCRM_SEED_APP_ID'),
    'client_secret' => getenv('WPCRM_SEED_SECRET'),
    'tenant_id' => getenv('WPCRM_SEED_TENANT_ID'),
];
$options = ['tables' => ['account'], 'timeout' => 60];
$pass = 0;
$t0 = hrtime(true);
if ($mode === 'one') {
    $pass += wpcrm_verify_connection($connection, $options)['ok'] ? 1 : 0;
} elseif ($mode === 'sequence') {
    for ($i = 0; $i < (int) $n; $i++) {
        $pass += wpcrm_verify_connection($connection, $options)['ok'] ? 1 : 0;
    }
} else {
    $fleet = [];
    for ($i = 0; $i < (int) $n; $i++) {
        $fleet["site-$i"] = $connection;
    }
    $r = wpcrm_verify_connections($fleet, ['tables' => ['account'], 'concurrency' => (int) $concurrency, 'timeout' => 120]);
    $pass = $r['summary']['pass'];
}
printf("%.1f %d\n", (hrtime(true) - $t0) / 1e6, $pass);
PHP

declare -A times
for r in $(seq "$rounds"); do
  for mode in one sequence fleet fleet-all; do
    c="$concurrency"
    [ "$mode" = fleet-all ] && c=$((n > 128 ? 128 : n))
    read -r ms pass < <(wpcrm_php "$driver" "${mode%-all}" "$n" "$c")
    expected=$([ "$mode" = one ] && echo 1 || echo "$n")
    if [ "$pass" != "$expected" ]; then
      echo "bench-fleet: $mode passed $pass of $expected connections" >&2
      exit 1
    fi
    times[$mode]="${times[$mode]:-} $ms"
  done
  last() { echo "${times[$1]}" | awk '{print $NF}'; }
  echo "round $r: one $(last one) ms, sequence $(last sequence) ms, fleet $(last fleet) ms, fleet-all $(last fleet-all) ms" >&2
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
one=$(echo "${times[one]}" | median)
seq_ms=$(echo "${times[sequence]}" | median)
fleet=$(echo "${times[fleet]}" | median)
all=$(echo "${times[fleet-all]}" | median)
echo
echo "$n connections, 1 table each, ${latency} ms per request, $rounds rounds, medians ($WPCRM_PROFILE build):"
printf '  %-44s %9.0f ms\n' "one wpcrm_verify_connection()" "$one"
printf '  %-44s %9.0f ms\n' "$n wpcrm_verify_connection(), one after another" "$seq_ms"
printf '  %-44s %9.0f ms\n' "wpcrm_verify_connections(), concurrency $concurrency" "$fleet"
printf '  %-44s %9.0f ms\n' "wpcrm_verify_connections(), all at once" "$all"
C=$concurrency awk -v o="$one" -v s="$seq_ms" -v f="$fleet" -v a="$all" 'BEGIN {
  printf "  concurrency %s: %.1f x one verify, %.1f x faster than one after another\n", ENVIRON["C"], f / o, s / f
  printf "  all at once:    %.1f x one verify, %.1f x faster than one after another\n", a / o, s / a }'
