# shellcheck shell=bash
# Sourced by the demo and by test suites: builds the extension and the sandbox, starts the sandbox,
# and exports what PHP needs to load the extension against it.
#
#   source scripts/php-ext-env.sh
#   wpcrm_env_up            # build, start the sandbox, stop it when the shell exits
#   php -n -d extension="$WPCRM_SO" -d wpcrm.sandbox_url="$WPCRM_SANDBOX_URL" \
#          -d wpcrm.ca_file="$WPCRM_CA_FILE" script.php     (or: wpcrm_php script.php)
#
# Exports: WPCRM_ROOT, WPCRM_SO (the built extension), WPCRM_SANDBOX_BIN, WPCRM_SANDBOX_URL (origin,
# no trailing slash), WPCRM_CA_FILE (the sandbox CA, PEM), WPCRM_SANDBOX_PID, WPCRM_SANDBOX_DIR,
# WPCRM_SANDBOX_LOG (the sandbox's stderr).
#
# Knobs: WPCRM_PROFILE=release|debug (default release; debug builds faster while iterating),
# WPCRM_SKIP_BUILD=1 (use what is in target/), WPCRM_SANDBOX_ARGS (extra sandbox arguments).
# `wpcrm_env_up` installs an EXIT trap; a caller with its own trap calls wpcrm_sandbox_stop itself.

WPCRM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WPCRM_ROOT
: "${WPCRM_PROFILE:=release}"
export WPCRM_PROFILE
export WPCRM_SO="$WPCRM_ROOT/target/$WPCRM_PROFILE/libwpcrm.so"
export WPCRM_SANDBOX_BIN="$WPCRM_ROOT/target/$WPCRM_PROFILE/wpcrm-sandbox"

# Builds the extension and the sandbox (a no-op when they are up to date).
wpcrm_build() {
  if [ "${WPCRM_SKIP_BUILD:-0}" = 1 ]; then
    return 0
  fi
  local flags=()
  [ "$WPCRM_PROFILE" = release ] && flags+=(--release)
  (cd "$WPCRM_ROOT" && cargo build "${flags[@]}" -p wpcrm -p wpcrm-sandbox) >&2
}

# Starts the sandbox on a free port and waits for its ready line (docs/sandbox.md).
wpcrm_sandbox_start() {
  if [ -n "${WPCRM_SANDBOX_PID:-}" ] && kill -0 "$WPCRM_SANDBOX_PID" 2>/dev/null; then
    return 0
  fi
  WPCRM_SANDBOX_DIR="$(mktemp -d "${TMPDIR:-/tmp}/wpcrm-sandbox.XXXXXX")"
  WPCRM_SANDBOX_LOG="$WPCRM_SANDBOX_DIR/sandbox.log"
  WPCRM_CA_FILE="$WPCRM_SANDBOX_DIR/ca.pem"
  export WPCRM_SANDBOX_DIR WPCRM_SANDBOX_LOG WPCRM_CA_FILE
  : >"$WPCRM_SANDBOX_DIR/stdout" # exists before the first poll below
  # shellcheck disable=SC2086 # WPCRM_SANDBOX_ARGS is a word list on purpose
  "$WPCRM_SANDBOX_BIN" --listen 127.0.0.1:0 --ca-out "$WPCRM_CA_FILE" ${WPCRM_SANDBOX_ARGS:-} \
    >"$WPCRM_SANDBOX_DIR/stdout" 2>"$WPCRM_SANDBOX_LOG" &
  WPCRM_SANDBOX_PID=$!
  export WPCRM_SANDBOX_PID
  local line="" i
  for i in $(seq 1 300); do
    # Only a complete line counts: the port could still be half written.
    if [ "$(wc -l <"$WPCRM_SANDBOX_DIR/stdout" 2>/dev/null || echo 0)" -ge 1 ]; then
      line="$(head -n 1 "$WPCRM_SANDBOX_DIR/stdout")"
    fi
    case "$line" in
      *"listening on https://"*) break ;;
    esac
    if ! kill -0 "$WPCRM_SANDBOX_PID" 2>/dev/null; then
      echo "php-ext-env: the sandbox exited before it was ready; its log:" >&2
      sed 's/^/  /' "$WPCRM_SANDBOX_LOG" >&2
      unset WPCRM_SANDBOX_PID
      return 1
    fi
    sleep 0.1
  done
  case "$line" in
    *"listening on https://"*) ;;
    *)
      echo "php-ext-env: no ready line from the sandbox after 30 s" >&2
      wpcrm_sandbox_stop
      return 1
      ;;
  esac
  WPCRM_SANDBOX_URL="https://${line##*listening on https://}"
  WPCRM_SANDBOX_URL="${WPCRM_SANDBOX_URL%/}"
  export WPCRM_SANDBOX_URL
  if [ ! -s "$WPCRM_CA_FILE" ]; then
    echo "php-ext-env: the sandbox did not write its CA to $WPCRM_CA_FILE" >&2
    wpcrm_sandbox_stop
    return 1
  fi
}

# Stops the sandbox started by wpcrm_sandbox_start (only that process) and keeps its log.
wpcrm_sandbox_stop() {
  if [ -n "${WPCRM_SANDBOX_PID:-}" ]; then
    kill "$WPCRM_SANDBOX_PID" 2>/dev/null || true
    wait "$WPCRM_SANDBOX_PID" 2>/dev/null || true
    unset WPCRM_SANDBOX_PID
  fi
}

# Build, start, and stop the sandbox when the calling shell exits.
wpcrm_env_up() {
  wpcrm_build || return 1
  if [ ! -f "$WPCRM_SO" ]; then
    echo "php-ext-env: $WPCRM_SO is missing" >&2
    return 1
  fi
  wpcrm_sandbox_start || return 1
  trap wpcrm_sandbox_stop EXIT
}

# PHP with the built extension loaded against the sandbox; no php.ini, so an installed copy of the
# extension cannot be loaded twice.
wpcrm_php() {
  php -n -d extension="$WPCRM_SO" -d wpcrm.sandbox_url="$WPCRM_SANDBOX_URL" \
    -d wpcrm.ca_file="$WPCRM_CA_FILE" "$@"
}

# The seeded working connection (app registration wp-ok in the seeded environment), read with jq from
# seed/default.json, the one place the sandbox's ids and secrets are written. Sets
# WPCRM_SEED_INSTANCE_URL (needs the sandbox started), WPCRM_SEED_APP_ID, WPCRM_SEED_SECRET and
# WPCRM_SEED_TENANT_ID; none is exported.
wpcrm_seeded_connection() {
  local seed="$WPCRM_ROOT/seed/default.json" app='.applications[] | select(.name == "wp-ok")'
  WPCRM_SEED_INSTANCE_URL="$WPCRM_SANDBOX_URL/$(jq -er '.environments[0].name' "$seed")" || return 1
  WPCRM_SEED_APP_ID=$(jq -er "$app | .app_id" "$seed") || return 1
  WPCRM_SEED_SECRET=$(jq -er "$app | .secrets[0].value" "$seed") || return 1
  WPCRM_SEED_TENANT_ID=$(jq -er '.tenant.id' "$seed") || return 1
}
