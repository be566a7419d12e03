#!/usr/bin/env bash
# Starts a WordPress with the wpcrm-connect plugin against the sandbox, for a person to press the
# buttons themselves, and stays in the foreground until Ctrl-C (which stops WordPress, its MariaDB and
# the sandbox).
#
#   scripts/wordpress-demo.sh                    # http://127.0.0.1:8089 when that port is free
#   WPT_PORT=8090 scripts/wordpress-demo.sh      # another port
#   WPCRM_SANDBOX_ARGS=--auto-approve scripts/wordpress-demo.sh
#                                                # the sandbox approves device codes by itself
#   WPT_LEGACY_STANDIN=1 scripts/wordpress-demo.sh  # also the Dynamics 365 Integration stand-in: the
#                                                # panel on its Connection tab (menu "Dynamics 365")
#   WPCRM_PROFILE=debug scripts/wordpress-demo.sh   # faster build while iterating
#
# What it does: installs missing Debian packages (scripts/install-deps.sh), builds the extension and
# the sandbox and starts the sandbox (scripts/php-ext-env.sh), then serves a fresh WordPress (Debian's
# package, a private MariaDB, the plugin linked in, the extension loaded) with
# tests/wordpress/serve.sh from build/wordpress-demo/. Every start is a new site and a new sandbox world.
# It prints the WordPress URL and login, the Dataverse Connection page, the Microsoft administrator to
# sign in as on the sandbox's device sign-in page, and the sandbox CA and control API.
#
# Then, in a browser on this machine:
#   1. log in to WordPress, open Settings → Dataverse Connection;
#   2. press "Set up automatically", open the link shown, accept the sandbox's certificate warning
#      (or import the CA printed below), enter the code, sign in as admin@contoso.onmicrosoft.com /
#      sandbox and approve; back in WordPress choose "Contoso" and watch the steps;
#   3. press "Verify connection"; break things with the control API (examples printed) and verify again.
# Everything listens on 127.0.0.1 only. From another machine, forward both ports, e.g.
# `ssh -L 8089:127.0.0.1:8089 -L SANDBOXPORT:127.0.0.1:SANDBOXPORT host` (the sandbox URL must stay the
# same, since WordPress sends the browser to it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/install-deps.sh

export WPT_BUILD=${WPT_BUILD:-$root/build/wordpress-demo}
# WordPress 6.1 on PHP 8.2 prints core deprecation notices into its pages (the login page too); keep
# them in debug.log, where the plugin's own would land as well.
export WPT_DEBUG_DISPLAY=${WPT_DEBUG_DISPLAY:-0}
# The sandbox keeps its CA under build/ so a browser that imported it once trusts it on every start
# (the sandbox's port still changes; WordPress always links to the current one).
mkdir -p "$WPT_BUILD/sandbox-state"
export WPCRM_SANDBOX_ARGS="--state-dir $WPT_BUILD/sandbox-state ${WPCRM_SANDBOX_ARGS:-}"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${WPT_PORT:-}" ] && port_free 8089; then
  export WPT_PORT=8089
fi

# shellcheck source=../tests/wordpress/lib.sh
source "$root/tests/wordpress/lib.sh"
wpt_load_extension_env # builds (a no-op when up to date) and starts the sandbox in this shell
stop() {
  local rc=$?
  trap - EXIT INT TERM
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  echo "wordpress-demo: stopped" >&2
  exit "$rc"
}
trap stop EXIT INT TERM
if [ -z "${WPCRM_SO:-}" ]; then
  echo "wordpress-demo: the extension is not available; the plugin's buttons will be disabled" >&2
fi
export WPCRM_SO WPCRM_SANDBOX_URL WPCRM_CA_FILE

explain() {
  local app='<application id shown on the page>'
  cat <<EOF

  Sign in on the sandbox's device page as: admin@contoso.onmicrosoft.com / sandbox
  Sandbox CA (your browser will warn about the sandbox certificate; accept it, or import this file
  once: it stays the same across demo runs):
    $WPT_BUILD/sandbox-state/ca.pem
  Break the connection after setup, then press "Verify connection" again:
    curl --cacert $WPCRM_CA_FILE $WPCRM_SANDBOX_URL/_sandbox/state          # roles, app users
    curl --cacert $WPCRM_CA_FILE -H 'content-type: application/json' \\
      -d '{"environment":"contoso","application_id":"$app","role":"WordPress – …"}' \\
      $WPCRM_SANDBOX_URL/_sandbox/roles/remove
    curl --cacert $WPCRM_CA_FILE -H 'content-type: application/json' \\
      -d '{"app_id":"$app"}' $WPCRM_SANDBOX_URL/_sandbox/secrets/expire
  Sandbox log: ${WPCRM_SANDBOX_LOG:-}    WordPress logs: $WPT_BUILD/{php-server.log,debug.log}
  Press Ctrl-C to stop WordPress, MariaDB and the sandbox.
EOF
}

# serve.sh prints "wordpress ready: URL", the admin page and login, and stays until Ctrl-C.
"$root/tests/wordpress/serve.sh" | while IFS= read -r line; do
  printf '%s\n' "$line"
  case "$line" in
    "  extension:"*) explain ;;
  esac
done
