#!/usr/bin/env bash
# Browser end-to-end test of the wpcrm-connect plugin (issue 5) in headless Chromium (Debian's
# /usr/bin/chromium driven by playwright-core; no browser is downloaded).
#   tests/e2e/run.sh
# Installs playwright-core from package-lock.json (npm ci), builds the extension and starts the sandbox
# (scripts/php-ext-env.sh through tests/wordpress/lib.sh, unless WPCRM_SO, WPCRM_SANDBOX_URL and
# WPCRM_CA_FILE are already set), serves a fresh WordPress with tests/wordpress/serve.sh, runs
# connection.e2e.js once per scenario on a fresh site, and stops everything it started:
#   settings-page  Settings → Dataverse Connection: setup, filled settings, verify, break, verify
#   dynamics-tab   the same panel on the Dynamics 365 Integration Connection tab (the harness's
#                  stand-in, WPT_LEGACY_STANDIN=1): setup, the tab reconnects, verify
#   repair         repair.e2e.js: setup, break the site's role, Repair in one sign-in, verify; the
#                  least-privilege audit warns for System Administrator
#   renew          "Renew secret" on the settings page, a renewal cut short after its secret was
#                  created (renew.e2e.js), the site verifying throughout
#   browser-sign-in  the paste-back sign-in (signin-browser.e2e.js): sign in on the authorize page,
#                  paste the http://localhost address back, setup finishes
# Screenshots of every stage, the console log and the server logs go to
# tests/e2e/artifacts/SCENARIO/ (gitignored, emptied on every run).
# Prints "e2e: N passed, N failed" (stages of all scenarios); exits non-zero on any failure.
# Knobs: WPCRM_PROFILE=debug WPCRM_SKIP_BUILD=1 (reuse target/debug while iterating),
#        E2E_SCENARIOS="settings-page" (run one), E2E_HEADED=1 E2E_SLOWMO=300 (watch it on a display),
#        E2E_SELF_CHECK=1 (inject an error into the plugin's script: the run must fail).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
artifacts=$here/artifacts
export WPT_BUILD=${WPT_BUILD:-$root/build/e2e-wordpress}
# PHP notices go to debug.log only (checked below for the plugin's); WordPress 6.1 on PHP 8.2 would
# otherwise print core deprecations across the pages and the screenshots.
export WPT_DEBUG_DISPLAY=${WPT_DEBUG_DISPLAY:-0}

log() { printf '[e2e] %s\n' "$*" >&2; }

rm -rf "$artifacts"
mkdir -p "$artifacts"

if [ ! -x /usr/bin/chromium ] && [ -z "${E2E_CHROMIUM:-}" ]; then
  log "/usr/bin/chromium is missing (scripts/install-deps.sh installs Debian's chromium)"
  exit 1
fi
log "npm ci (playwright-core as pinned in package-lock.json)"
(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)

# shellcheck source=../wordpress/lib.sh
source "$root/tests/wordpress/lib.sh"

serve_pid=
stop_wordpress() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true # serve.sh stops its PHP and MariaDB
    wait "$serve_pid" 2>/dev/null || true
  fi
  serve_pid=
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_wordpress
  if [ -n "${WPCRM_SANDBOX_LOG:-}" ] && [ -f "$WPCRM_SANDBOX_LOG" ]; then
    cp "$WPCRM_SANDBOX_LOG" "$artifacts/sandbox.log"
  fi
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  exit "$rc"
}

# Builds (a no-op when up to date) and starts the sandbox in this shell, so the test knows its CA.
wpt_load_extension_env
trap cleanup EXIT INT TERM
if [ -z "${WPCRM_SO:-}" ] || [ -z "${WPCRM_SANDBOX_URL:-}" ] || [ -z "${WPCRM_CA_FILE:-}" ]; then
  log "the extension or the sandbox is not available (WPCRM_SO, WPCRM_SANDBOX_URL, WPCRM_CA_FILE)"
  exit 1
fi
export WPCRM_SO WPCRM_SANDBOX_URL WPCRM_CA_FILE

# The script of a scenario: connection.e2e.js unless the scenario has its own file.
scenario_script() {
  case "$1" in
    browser-sign-in) echo signin-browser.e2e.js ;;
    repair) echo repair.e2e.js ;;
    *) echo connection.e2e.js ;; # renew runs through it (renew.e2e.js borrows its browser and stages)
  esac
}

# One scenario on a fresh WordPress: run_scenario NAME [VAR=value...] (variables for serve.sh).
total_passed=0 total_failed=0
run_scenario() {
  local name=$1 dir=$artifacts/$1 url= status=0 line
  shift
  mkdir -p "$dir"
  rm -f "$WPT_BUILD/debug.log"
  # serve.sh takes the extension and sandbox from the environment and stays in the foreground.
  env "$@" "$root/tests/wordpress/serve.sh" >"$dir/serve.out" 2>"$dir/serve.err" &
  serve_pid=$!
  for _ in $(seq 1 1200); do
    url=$(awk '/^wordpress ready: /{print $3; exit}' "$dir/serve.out" 2>/dev/null)
    [ -n "$url" ] && break
    if ! kill -0 "$serve_pid" 2>/dev/null; then
      log "$name: tests/wordpress/serve.sh exited before WordPress was ready:"
      sed 's/^/  /' "$dir/serve.err" >&2
      total_failed=$((total_failed + 1))
      serve_pid=
      return 0
    fi
    sleep 0.1
  done
  if [ -z "$url" ]; then
    log "$name: WordPress was not ready after 120 s"
    total_failed=$((total_failed + 1))
    stop_wordpress
    return 0
  fi
  log "$name: WordPress at $url, sandbox at $WPCRM_SANDBOX_URL"
  (
    cd "$here"
    WPT_URL=$url NODE_EXTRA_CA_CERTS=$WPCRM_CA_FILE E2E_ARTIFACTS=$dir E2E_SCENARIO=$name node "$(scenario_script "$name")"
  ) | tee "$dir/result.txt" || status=$?
  stop_wordpress
  for f in php-server.log debug.log mariadb.err; do
    if [ -f "$WPT_BUILD/$f" ]; then cp "$WPT_BUILD/$f" "$dir/wordpress-$f"; fi
  done
  line=$(grep -E "^e2e $name: [0-9]+ passed, [0-9]+ failed" "$dir/result.txt" | tail -n 1 || true)
  if [ -z "$line" ]; then
    log "$name: the test printed no result line (exit status $status)"
    total_failed=$((total_failed + 1))
    return 0
  fi
  total_passed=$((total_passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
  total_failed=$((total_failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
  # Requests served during the test log PHP notices to debug.log: none may come from the plugin.
  if [ -f "$dir/wordpress-debug.log" ] && grep -n 'plugins/wpcrm-connect/\|php/wpcrm-connect/' "$dir/wordpress-debug.log" >&2; then
    log "$name: PHP notices/warnings from the plugin's own code (above, $dir/wordpress-debug.log)"
    total_failed=$((total_failed + 1))
  fi
}

for scenario in ${E2E_SCENARIOS:-settings-page dynamics-tab repair renew browser-sign-in}; do
  case "$scenario" in
    settings-page) run_scenario settings-page WPT_LEGACY_STANDIN=0 ;;
    repair) run_scenario repair WPT_LEGACY_STANDIN=0 ;;
    dynamics-tab) run_scenario dynamics-tab WPT_LEGACY_STANDIN=1 ;;
    renew) run_scenario renew WPT_LEGACY_STANDIN=0 ;;
    browser-sign-in) run_scenario browser-sign-in WPT_LEGACY_STANDIN=0 ;;
    *) log "unknown scenario $scenario (settings-page, dynamics-tab, repair, renew, browser-sign-in)"; total_failed=$((total_failed + 1)) ;;
  esac
done

echo "e2e: $total_passed passed, $total_failed failed (screenshots in ${artifacts#"$root"/}/)"
[ "$total_failed" -eq 0 ] && [ "$total_passed" -gt 0 ]
