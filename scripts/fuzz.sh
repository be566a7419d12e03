#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a fixed budget and prints executions and findings per
# target. libFuzzer needs nightly flags; only the stable toolchain is installed, so RUSTC_BOOTSTRAP=1.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 600        # a longer run
#   FUZZ_JOBS=2 ...            # libFuzzer jobs per target (default 1 process: the machine is shared)
#
# Corpora persist in fuzz/corpus/<target> (seeded below from the engine's own test inputs), crashes
# land in fuzz/artifacts/<target>; both are git-ignored. A crash is a finding: reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/crash-…
# and turn it into a unit test of the engine next to the parser it broke.
set -euo pipefail
budget=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked >&2

seed() { # seed TARGET NAME CONTENT
  mkdir -p "corpus/$1"
  printf '%s' "$3" >"corpus/$1/$2"
}
seed instance_url a 'https://Contoso.crm4.dynamics.com/main.aspx?appid=1'
seed instance_url b 'contoso.api.crm.dynamics.com'
seed instance_url c 'https://127.0.0.1:8443/contoso/x'
seed instance_url d 'https://user@contoso.crm.dynamics.com.evil.test:8443/'
seed www_authenticate a 'Bearer authorization_uri=https://login.microsoftonline.com/8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e/oauth2/authorize, resource_id=https://contoso.crm.dynamics.com/'
seed www_authenticate b 'bearer  resource_id="https://x/", authorization_uri="https://login.windows.net/t1/oauth2/authorize"'
seed aadsts a $'\x64\x03{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]}'
seed aadsts b $'\x00\x02{"token_type":"Bearer","expires_in":3599,"access_token":"x"}'
seed dataverse_error a $'\x05{"error":{"code":"0x80040220","message":"Principal user (Id=x, type=8) is missing prvReadincident privilege (Id=y) on OTC=112 for entity \'incident\'."}}'
seed dataverse_error b $'\x07{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}'
seed state_open a 'wpcrm.s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

cargo fuzz build -O >&2
targets=$(cargo fuzz list)
printf '%-18s %12s %10s %8s %s\n' target executions exec/s corpus findings
status=0
for t in $targets; do
  log=$(mktemp)
  mkdir -p "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  # -max_total_time bounds the run; -rss_limit_mb and -timeout catch blow-ups and hangs as findings.
  # One process by default; FUZZ_JOBS>1 runs libFuzzer jobs (their logs go to fuzz/fuzz-N.log).
  parallel=()
  [ "${FUZZ_JOBS:-1}" -gt 1 ] && parallel=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$budget" "${parallel[@]}" \
    -rss_limit_mb=1024 -timeout=10 -max_len=4096 -print_final_stats=1 >"$log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  after=$(find "artifacts/$t" -type f | wc -l)
  found=$((after - before))
  what=none
  if [ "$found" -gt 0 ] || grep -q -E '^==[0-9]+==ERROR|panicked at|deadly signal' "$log"; then
    what="$found new artifact(s): $(grep -m1 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" || true)"
    status=1
    cp "$log" "artifacts/$t/last-run.log"
  fi
  printf '%-18s %12s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$what"
  rm -f "$log"
done
exit $status
