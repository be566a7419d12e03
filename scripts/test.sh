#!/usr/bin/env bash
# Runs every test suite, in dependency order, and prints one line per suite and a closing tally.
# Each suite is a script that exits non-zero on failure; see the README for what each covers.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

suites=(
  "rust:scripts/test-rust.sh"
  "conformance:tests/conformance/run.sh"
  "phpt:tests/phpt/run.sh"
  "wordpress:tests/wordpress/run.sh"
  "packaging:tests/packaging/run.sh"
  "e2e:tests/e2e/run.sh"
)
passed=0 failed=0 results=()
for entry in "${suites[@]}"; do
  name=${entry%%:*} script=${entry#*:}
  if [ ! -x "$script" ]; then
    # A suite that is missing must not look like one that passed.
    failed=$((failed + 1)); results+=("MISSING $name ($script)")
    continue
  fi
  echo "=== suite $name ($script)"
  start=$(date +%s)
  if "$script"; then
    passed=$((passed + 1)); results+=("ok     $name ($(( $(date +%s) - start ))s)")
  else
    failed=$((failed + 1)); results+=("FAILED $name ($(( $(date +%s) - start ))s)")
  fi
done
echo
printf '%s\n' "${results[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
