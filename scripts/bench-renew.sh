#!/usr/bin/env bash
# Times "Renew secret" the way the plugin runs it (Wpcrm\Connect\Renewal, the same path as the
# settings page's button and `wp wpcrm renew`): from the first step to the new secret saved (own
# settings and, with the Dynamics 365 Integration plugin, its option), verified by the engine with
# the new secret, and the older secret removed (forget_secret). Against the sandbox with its secret
# activation delay off and on (BENCH_DELAY_MS, default 2000), interleaved run by run, medians side by
# side.
#   scripts/bench-renew.sh [RUNS]        (default 5; WPCRM_PROFILE=debug WPCRM_SKIP_BUILD=1 to reuse a build)
# The sign-in is approved by the sandbox (auto_approve) as soon as the code is issued; the device-code
# interval (1 s in the sandbox) is inside every run, on and off alike.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export WPT_BUILD=${WPT_BUILD:-$root/build/bench-renew}
# shellcheck source=../tests/wordpress/lib.sh
source "$root/tests/wordpress/lib.sh"
cd "$WPT_ROOT"
cleanup() {
  local rc=$?
  wpt_stop_mariadb
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  exit $rc
}
wpt_load_extension_env
trap cleanup EXIT INT TERM
if [ -z "${WPCRM_SO:-}" ]; then
  wpt_log "the extension is not available (WPCRM_SO)"
  exit 1
fi
export WPT_URL=http://127.0.0.1:$(wpt_free_port)
wpt_setup "$WPT_URL"
export WPCRM_SANDBOX_URL WPCRM_CA_FILE WPT_WP_DIR WPT_URL
BENCH_RUNS=${1:-5} wpt_php "$root/scripts/bench-renew.php"
