#!/usr/bin/env bash
# What loading the extension costs a PHP process that never calls it: start-up time of `php -r ''`
# with and without the extension (hyperfine when installed, else a timed loop), peak RSS of the
# same (GNU time), and the size of the .so. Prints medians.
#
#   scripts/bench-ext-overhead.sh [path/to/libwpcrm.so]     (default: the release build)
# Knobs: RUNS (default 200), WPCRM_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
so="${1:-target/release/libwpcrm.so}"
if [ ! -f "$so" ] && [ "${WPCRM_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -p wpcrm
fi
so="$(realpath "$so")"
runs="${RUNS:-200}"
base=(php -n -r '')
with=(php -n -d "extension=$so" -r '')
php -n -d "extension=$so" -r 'exit(extension_loaded("wpcrm") ? 0 : 1);' || { echo "the extension does not load" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "extension: $so"
echo "php:       $(php -n -r 'echo PHP_VERSION;'), $runs runs each"
echo
echo "start-up time of php -n -r '' (median)"
if command -v hyperfine >/dev/null; then
  json="$(mktemp)"
  hyperfine -N --warmup 10 --runs "$runs" --export-json "$json" \
    -n without "php -n -r ''" -n with "php -n -d extension=$so -r ''" >/dev/null 2>&1
  php -n -r '
    foreach (json_decode(file_get_contents($argv[1]), true)["results"] as $r) {
        $t[$r["command"]] = $r["median"] * 1000;
        printf("  %-8s %7.2f ms  (min %.2f, max %.2f)\n", $r["command"], $r["median"] * 1000, $r["min"] * 1000, $r["max"] * 1000);
    }
    printf("  overhead %7.2f ms\n", $t["with"] - $t["without"]);' "$json"
  rm -f "$json"
else
  time_runs() {
    local i
    for i in $(seq "$runs"); do
      local t0 t1
      t0=$(date +%s%N)
      "$@" >/dev/null
      t1=$(date +%s%N)
      echo $(((t1 - t0) / 1000))
    done | median
  }
  a=$(time_runs "${base[@]}")
  b=$(time_runs "${with[@]}")
  printf '  without  %7.2f ms\n  with     %7.2f ms\n  overhead %7.2f ms\n' \
    "$(echo "$a / 1000" | bc -l)" "$(echo "$b / 1000" | bc -l)" "$(echo "($b - $a) / 1000" | bc -l)"
fi

echo
echo "peak RSS of php -n -r '' (median of 20, GNU time)"
rss() {
  local i
  for i in $(seq 20); do
    /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1
  done | median
}
a=$(rss "${base[@]}")
b=$(rss "${with[@]}")
printf '  without  %7d KiB\n  with     %7d KiB\n  overhead %7d KiB\n' "$a" "$b" "$((b - a))"
echo
echo "first call (engine, runtime and TLS client created; no request: the URL is rejected as input)"
first=(php -n -d "extension=$so" -r 'wpcrm_verify_connection(["instance_url" => "https://example.com"]);')
b=$(rss "${first[@]}")
t=$(for i in $(seq 20); do
  t0=$(date +%s%N); "${first[@]}" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000))
done | median)
printf '  peak RSS %7d KiB (%+d KiB over plain php)\n  wall     %7.2f ms (median of 20)\n' "$b" "$((b - a))" "$(echo "$t / 1000" | bc -l)"
echo
echo "memory_get_usage() at start of script"
printf '  without  %7d bytes\n  with     %7d bytes\n' \
  "$(php -n -r 'echo memory_get_usage();')" "$(php -n -d "extension=$so" -r 'echo memory_get_usage();')"
echo
echo ".so size"
printf '  %s: %d bytes (%.1f MiB)\n' "$(basename "$so")" "$(stat -c %s "$so")" "$(echo "$(stat -c %s "$so") / 1048576" | bc -l)"
