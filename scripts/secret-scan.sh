#!/usr/bin/env bash
# Secret hygiene over test artifacts: exits 1, printing file:line, when any file under the given
# directories (or the given files) contains
#   - a seeded client secret value (taken from seed/default.json, so the list never drifts),
#   - a client secret the sandbox created during a test (Graph addPassword's `secretText` format,
#     crates/wpcrm-sandbox/src/graph.rs: 3 alphanumerics, a digit, `Q~`, 34 of [A-Za-z0-9_.~-]),
#   - anything JWT-shaped (`eyJ…​.…`), i.e. an access or refresh token.
#
#   scripts/secret-scan.sh DIR_OR_FILE...            e.g. target/phpt target/soak target/wordpress
#   SECRET_SCAN_EXCLUDE='*.phpt:*.inc' scripts/secret-scan.sh tests/   # skip test sources (globs, ':'-separated)
#
# Artifacts meant: logs, reports, phpt .out/.diff/.log, PHP error logs, FPM logs, sandbox logs, page
# text dumps of screenshots, panic output. Binary files are scanned as text (grep -a): a leaked token
# in a core dump or a PNG's text chunk still counts. The same patterns as tests/phpt/run.sh, which
# keeps its own inline scan; tests/soak and docs/evidence.md call this one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -gt 0 ] || { echo "usage: $0 DIR_OR_FILE..." >&2; exit 2; }

patterns="$(mktemp)"
trap 'rm -f "$patterns"' EXIT
# Seeded secret values: every "Sbx8Q~…" string of the seed, matched literally.
grep -o 'Sbx8Q~[A-Za-z0-9._~-]*' "$root/seed/default.json" | sort -u | sed 's/[.~]/\\&/g' >"$patterns"
# Created secrets and tokens.
echo '[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9_.~-]{34}' >>"$patterns"
echo 'eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}' >>"$patterns"

excludes=()
IFS=':' read -r -a globs <<<"${SECRET_SCAN_EXCLUDE:-}"
for g in "${globs[@]}"; do [ -n "$g" ] && excludes+=("--exclude=$g"); done

files=0
for p in "$@"; do
  [ -e "$p" ] || { echo "secret-scan: $p does not exist (skipped)" >&2; continue; }
  n=$(find "$p" -type f | wc -l)
  files=$((files + n))
done
hits="$(grep -a -r -n -o -E -f "$patterns" "${excludes[@]}" -- "$@" 2>/dev/null || true)"
if [ -n "$hits" ]; then
  # Show where, never the value itself: file:line and which kind matched.
  while IFS= read -r line; do
    loc="${line%:*}"
    value="${line##*:}"
    case "$value" in
      eyJ*) kind="JWT-shaped token" ;;
      Sbx8Q~*) kind="seeded client secret" ;;
      *) kind="client secret (sandbox secretText format)" ;;
    esac
    echo "secret-scan: $loc: $kind" >&2
  done <<<"$hits"
  echo "secret-scan: LEAKS in $(printf '%s\n' "$hits" | cut -d: -f1 | sort -u | wc -l) file(s) of $files scanned" >&2
  exit 1
fi
echo "secret-scan: clean ($files files scanned: seeded secrets, secretText format, JWT shape)"
