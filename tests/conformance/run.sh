#!/usr/bin/env bash
# Conformance of the sandbox with Microsoft's own SDKs (msal, azure-identity, msgraph-sdk,
# PowerPlatform-Dataverse-Client), pinned in requirements.txt, in a venv the script creates.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
cargo build --release -q -p wpcrm-sandbox
venv="$root/build/conformance-venv"
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
# Nothing from the environment may decide TLS trust here: each test passes the sandbox CA itself.
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE
export WPCRM_SANDBOX_BIN="$root/target/release/wpcrm-sandbox"
cd "$here"
exec "$venv/bin/pytest" -q -p no:cacheprovider "$@"
