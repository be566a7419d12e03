-- wrk script for scripts/soak.sh: POST the plugin's REST verify route as the logged-in admin
-- (cookie + wp_rest nonce from the environment), count answers whose report is not ok, and print
-- the latency percentiles in a form the script can parse.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-WP-Nonce"] = os.getenv("SOAK_NONCE")
wrk.headers["Cookie"] = os.getenv("SOAK_COOKIE")
wrk.body = '{"timeout":10}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_ok = 0
end

function response(status, headers, body)
  if status == 200 and not string.find(body, '"ok":true', 1, true) then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + (t:get("not_ok") or 0)
  end
  io.write(string.format("SOAK requests=%d non2xx=%d socket_errors=%d timeouts=%d not_ok=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, n, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
