#!/usr/bin/env bash
# The extension's .phpt suite: builds the extension and the sandbox, starts the sandbox, runs every
# tests/phpt/*.phpt with PHP's run-tests.php and the built extension loaded, then scans everything
# the run produced for the seeded secrets and for anything shaped like a JWT.
#
#   tests/phpt/run.sh                      # the whole suite (release build)
#   tests/phpt/run.sh verify_pass.phpt     # some tests
#   WPCRM_PROFILE=debug tests/phpt/run.sh  # against the debug build (faster to rebuild)
#
# Tests run one at a time: they share the sandbox and reset it first. The copies, their .out/.diff/
# .log files and the sandbox's log stay in target/phpt/ for inspection.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/php-ext-env.sh
source scripts/php-ext-env.sh
wpcrm_env_up

# panic.phpt loads the debug build in a child PHP: only it carries the test-only panic trigger.
if [ "${WPCRM_SKIP_BUILD:-0}" != 1 ] && [ "$WPCRM_PROFILE" != debug ]; then
  cargo build -p wpcrm >&2
fi
export WPCRM_SO_DEBUG="$WPCRM_ROOT/target/debug/libwpcrm.so"

work="$WPCRM_ROOT/target/phpt"
rm -rf "$work"
mkdir -p "$work"
cp tests/phpt/*.phpt tests/phpt/*.inc "$work/"
tests=()
for t in "$@"; do tests+=("$work/$(basename "$t")"); done
[ ${#tests[@]} -gt 0 ] || tests=("$work")

export TEST_PHP_EXECUTABLE
TEST_PHP_EXECUTABLE="$(command -v php)"
export NO_INTERACTION=1
status=0
# -n: no php.ini, so a copy of the extension installed with `make install` is not loaded twice.
# --show-out writes every test's output (stdout and stderr, passing or not) to run-tests.log and
# --keep-php keeps the generated scripts, so that the hygiene scan below sees all of it; the console
# gets the log without those output blocks.
php /usr/lib/php/20220829/build/run-tests.php -n -q --no-color --show-diff --show-out --keep-php \
  -d extension="$WPCRM_SO" \
  -d wpcrm.sandbox_url="$WPCRM_SANDBOX_URL" \
  -d wpcrm.ca_file="$WPCRM_CA_FILE" \
  "${tests[@]}" >"$work/run-tests.log" 2>&1 || status=$?
awk '/^========OUT========$/ { skip = 1; next } skip && /^========DONE========$/ { skip = 0; next } !skip' \
  "$work/run-tests.log"
wpcrm_sandbox_stop
cp "$WPCRM_SANDBOX_LOG" "$work/sandbox.log"

# Secret hygiene: no seeded secret and nothing JWT-shaped in any output of the run (every test's
# output in run-tests.log, the generated .php scripts, .out/.diff/.log of failures, the sandbox log).
secrets="$work/.secrets"
php -n -r 'require "tests/phpt/fixtures.inc"; echo implode("\n", Fixtures::secret_values()), "\n";' >"$secrets"
mapfile -t outputs < <(find "$work" -maxdepth 1 -type f \( -name '*.out' -o -name '*.diff' -o -name '*.log' -o -name '*.php' \))
leaks=0
if [ ${#outputs[@]} -gt 0 ]; then
  for file in $(grep -l -F -f "$secrets" "${outputs[@]}" || true); do
    echo "secret hygiene: a seeded client secret appears in $file" >&2
    leaks=1
  done
  for file in $(grep -l -E 'eyJ[A-Za-z0-9_-]{10,}\.' "${outputs[@]}" || true); do
    echo "secret hygiene: something JWT-shaped appears in $file" >&2
    leaks=1
  done
fi
rm -f "$secrets"
echo "secret hygiene: scanned ${#outputs[@]} files (.out .diff .log .php and the sandbox log): $([ $leaks = 0 ] && echo clean || echo LEAKS)"

[ "$status" = 0 ] && [ "$leaks" = 0 ]
