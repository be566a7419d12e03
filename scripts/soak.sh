#!/usr/bin/env bash
# Soak under php-fpm (issue 6): Debian's php-fpm8.2 (pm=static, 4 workers, loopback only) with the
# extension and the WordPress plugin behind nginx, the sandbox as Microsoft, and for SECONDS (default
# 120) at once:
#   - wrk on loopback POSTing the plugin's REST verify route as the logged-in admin (cookie + nonce),
#   - a CLI loop calling the plugin's Verifier (the code path of `wp wpcrm verify`).
# Then: requests, errors, p50/p99 latency of both, worker RSS every 5 s (growth after warm-up), worker
# crashes in the FPM log, a fork after first use (pcntl), and a secret scan of every log it wrote.
#
#   scripts/soak.sh            # 120 s
#   scripts/soak.sh 1800       # a longer soak: the same command with more seconds
#   WPCRM_PROFILE=debug scripts/soak.sh 60   # against the debug build (no release build needed)
#   SOAK_CONNECTIONS=4 SOAK_WORKERS=4 ...    # wrk connections, FPM workers
#
# Everything stays in build/soak/ (logs, rss.csv, summary.txt). Needs php8.2-fpm, nginx-light and
# wrk; missing ones are installed with apt-get. Every process it starts is stopped on exit.
set -euo pipefail
seconds=${1:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need=()
command -v php-fpm8.2 >/dev/null || need+=(php8.2-fpm)
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "soak: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

export WPT_BUILD=$root/build/soak
mkdir -p "$WPT_BUILD"
# shellcheck source=../tests/wordpress/lib.sh
source tests/wordpress/lib.sh
fpm_pid= nginx_pid= cli_pid= sampler_pid=
stop_all() {
  local rc=$?
  for p in $sampler_pid $cli_pid $nginx_pid $fpm_pid; do
    kill "$p" 2>/dev/null || true
  done
  for p in $sampler_pid $cli_pid $nginx_pid $fpm_pid; do
    wait "$p" 2>/dev/null || true
  done
  wpt_stop_mariadb || true
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  exit $rc
}
wpt_load_extension_env
trap stop_all EXIT INT TERM
[ -n "${WPCRM_SO:-}" ] || { echo "soak: the extension is not available" >&2; exit 1; }
# wpcrm_php and wpcrm_seeded_connection come from php-ext-env.sh, which lib.sh does not source when
# the caller provides the extension and the sandbox: source it then, keeping the caller's extension.
if ! declare -F wpcrm_seeded_connection >/dev/null; then
  caller_so=$WPCRM_SO
  # shellcheck source=php-ext-env.sh
  source scripts/php-ext-env.sh
  WPCRM_SO=$caller_so
fi

out=$WPT_BUILD/run
rm -rf "$out"
mkdir -p "$out/tmp"
web_port=$(wpt_free_port)
fpm_port=$(wpt_free_port)
export WPT_URL=http://127.0.0.1:$web_port
wpt_setup "$WPT_URL" >"$out/setup.log" 2>&1
# shellcheck disable=SC2034 # read by wpt_php
# The seeded wp-ok connection, read from seed/default.json.
wpcrm_seeded_connection
wpt_php tests/soak/configure.php "$WPT_WP_DIR" "$WPCRM_SEED_INSTANCE_URL" \
  "$WPCRM_SEED_APP_ID" "$WPCRM_SEED_SECRET" >"$out/configure.log"

# php-fpm: its own config, loopback only, static pool, the extension and its INI on the command line.
workers=${SOAK_WORKERS:-4}
as_root=()
user_lines=""
if [ "$(id -u)" = 0 ]; then
  as_root=(-R)
  user_lines=$'user = root\ngroup = root'
fi
cat >"$out/php-fpm.conf" <<CONF
[global]
pid = $out/php-fpm.pid
error_log = $out/php-fpm.log
log_level = notice
daemonize = no

[soak]
$user_lines
listen = 127.0.0.1:$fpm_port
listen.allowed_clients = 127.0.0.1
pm = static
pm.max_children = $workers
request_terminate_timeout = 60s
catch_workers_output = yes
clear_env = no
php_admin_flag[log_errors] = on
php_admin_value[error_log] = $out/php-error.log
CONF
PHP_INI_SCAN_DIR=$WPT_INI_SCAN_DIR php-fpm8.2 "${as_root[@]}" -y "$out/php-fpm.conf" \
  -d extension="$WPCRM_SO" -d wpcrm.sandbox_url="$WPCRM_SANDBOX_URL" -d wpcrm.ca_file="$WPCRM_CA_FILE" \
  >"$out/php-fpm.stdout" 2>&1 &
fpm_pid=$!

cat >"$out/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $out/nginx.pid;
error_log $out/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $out/tmp/body;
  fastcgi_temp_path $out/tmp/fastcgi;
  proxy_temp_path $out/tmp/proxy;
  uwsgi_temp_path $out/tmp/uwsgi;
  scgi_temp_path $out/tmp/scgi;
  server {
    listen 127.0.0.1:$web_port;
    root $WPT_WP_DIR;
    index index.php;
    location / { try_files \$uri \$uri/ /index.php?\$args; }
    location ~ \.php\$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_read_timeout 60s;
      fastcgi_pass 127.0.0.1:$fpm_port;
    }
  }
}
CONF
nginx -c "$out/nginx.conf" -p "$out" >"$out/nginx.stdout" 2>&1 &
nginx_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$WPT_URL/wp-login.php" 2>/dev/null && break
  sleep 0.1
done

# Log in as the admin; the settings page hands out the wp_rest nonce.
jar=$out/cookies.txt
curl -fsS -o /dev/null -c "$jar" -b "$jar" "$WPT_URL/wp-login.php"
code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -b 'wordpress_test_cookie=WP%20Cookie%20check' \
  --data-urlencode "log=$WPT_ADMIN_USER" --data-urlencode "pwd=$WPT_ADMIN_PASSWORD" \
  --data-urlencode testcookie=1 --data-urlencode redirect_to=/wp-admin/ "$WPT_URL/wp-login.php")
[ "$code" = 302 ] || { echo "soak: login failed (HTTP $code)" >&2; exit 1; }
SOAK_NONCE=$(curl -fsS -b "$jar" "$WPT_URL/wp-admin/options-general.php?page=wpcrm-connect" |
  sed -n 's/.*var wpcrmConnect = {.*"nonce":"\([0-9a-f]*\)".*/\1/p' | head -n 1)
SOAK_COOKIE=$(awk -F'\t' 'NF >= 7 { print $6 "=" $7 }' "$jar" | paste -sd ';' | sed 's/;/; /g')
export SOAK_NONCE SOAK_COOKIE
[ -n "$SOAK_NONCE" ] || { echo "soak: no REST nonce on the settings page" >&2; exit 1; }
first=$(curl -sS -b "$jar" -H "X-WP-Nonce: $SOAK_NONCE" -H 'Content-Type: application/json' -d '{}' \
  "$WPT_URL/wp-json/wpcrm/v1/verify")
case "$first" in *'"ok":true'*) ;; *) echo "soak: the first verification did not pass: ${first:0:400}" >&2; exit 1 ;; esac

# Worker RSS every 5 s: t,pid,rss_kb (workers are the FPM master's children).
master=$(cat "$out/php-fpm.pid")
pids_before=$(pgrep -P "$master" | sort | paste -sd ' ')
(
  t0=$(date +%s)
  while :; do
    now=$(( $(date +%s) - t0 ))
    for p in $(pgrep -P "$master"); do
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
      [ -n "$rss" ] && echo "$now,$p,$rss"
    done
    sleep 5
  done
) >"$out/rss.csv" &
sampler_pid=$!

echo "soak: ${seconds}s, $workers FPM workers, wrk ${SOAK_CONNECTIONS:-4} connections + 1 CLI loop, profile ${WPCRM_PROFILE:-release}" >&2
wpt_php tests/soak/cli_loop.php "$WPT_WP_DIR" "$seconds" >"$out/cli.out" 2>"$out/cli.err" &
cli_pid=$!
wrk -t 2 -c "${SOAK_CONNECTIONS:-4}" -d "${seconds}s" --timeout 30s --latency -s tests/soak/verify.lua \
  "$WPT_URL/wp-json/wpcrm/v1/verify" >"$out/wrk.out" 2>&1 || true
wait "$cli_pid" || true
cli_pid=
sleep 5
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
pids_after=$(pgrep -P "$master" | sort | paste -sd ' ')

# Fork after first use, outside FPM (Debian's php8.2-cli has pcntl built in; fork.php says so if not).
fork_line=$(wpcrm_php tests/soak/fork.php "$WPCRM_SEED_INSTANCE_URL" \
  "$WPCRM_SEED_APP_ID" "$WPCRM_SEED_SECRET" 2>&1 || true)

crashes=$(grep -c -E 'exited on signal|exited with code|SIGSEGV|core dumped' "$out/php-fpm.log" || true)
# RSS growth: each worker's last sample against its sample at the end of warm-up (a quarter of the run).
warm=$(( seconds / 4 ))
rss_summary=$(awk -F, -v warm="$warm" '
  { if (!($2 in first) && $1 >= warm) first[$2] = $3; if ($1 >= warm) last[$2] = $3; if (!($2 in start)) start[$2] = $3 }
  END {
    max = 0; n = 0
    for (p in last) { n++; g = last[p] - first[p]; if (g > max) max = g
      printf "worker %s: start %d kB, after warm-up %d kB, end %d kB, growth after warm-up %+d kB\n", p, start[p], first[p], last[p], g }
    printf "RSS max growth after warm-up: %d kB over %d workers\n", max, n
  }' "$out/rss.csv")

cp "$WPCRM_SANDBOX_LOG" "$out/sandbox.log" 2>/dev/null || true
cp "$WPT_BUILD/debug.log" "$out/wp-debug.log" 2>/dev/null || true
rm -f "$jar"
scan=$(scripts/secret-scan.sh "$out" 2>&1) && scan_rc=0 || scan_rc=$?

{
  echo "soak: $seconds s, $workers php-fpm workers (pm=static), profile ${WPCRM_PROFILE:-release}, $(date -u +%FT%TZ)"
  echo "REST (wrk ${SOAK_CONNECTIONS:-4} connections): $(grep '^SOAK ' "$out/wrk.out" | sed 's/^SOAK //')"
  echo "wrk: $(grep -E 'Requests/sec' "$out/wrk.out" | tr -s ' ')"
  echo "CLI loop: $(grep '^SOAK-CLI ' "$out/cli.out" | sed 's/^SOAK-CLI //')"
  echo "$rss_summary"
  echo "workers before: $pids_before; after: $pids_after ($([ "$pids_before" = "$pids_after" ] && echo 'none respawned' || echo 'RESPAWNED'))"
  echo "FPM log crash lines (exited on signal/code, SIGSEGV): $crashes"
  echo "$fork_line"
  echo "$scan"
} | tee "$out/summary.txt"

grep -q 'non2xx=0 socket_errors=0 timeouts=0 not_ok=0' "$out/wrk.out" &&
  grep -q 'not_ok=0 thrown=0' "$out/cli.out" &&
  [ "$crashes" = 0 ] && [ "$pids_before" = "$pids_after" ] && [ "$scan_rc" = 0 ] &&
  case "$fork_line" in FORK*parent_first=ok*child=ok*parent_after=ok*) true ;; *) false ;; esac
