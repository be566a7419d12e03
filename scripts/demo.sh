#!/usr/bin/env bash
# `make demo`: installs what is missing, builds the extension and the sandbox, starts the sandbox with
# --auto-approve (it approves every device code as its seeded admin), and runs scripts/demo.php through
# the extension: "Set up automatically" end to end — sign-in, the environment, each step, the values it
# filled in (secret masked), the verification table — then the same setup again, showing that it reuses
# every object. Stops the sandbox and exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# shellcheck source=php-ext-env.sh
source scripts/php-ext-env.sh
WPCRM_SANDBOX_ARGS="--auto-approve ${WPCRM_SANDBOX_ARGS:-}"
wpcrm_env_up
echo "sandbox: $WPCRM_SANDBOX_URL (log: $WPCRM_SANDBOX_LOG)"

# The seeded environment (seed/default.json) is the one the demo picks from discovery's list.
wpcrm_seeded_connection
status=0
wpcrm_php scripts/demo.php "$WPCRM_SEED_INSTANCE_URL" || status=$?
exit "$status"
