-- wrk script of keel's serving bench (bench/serve.mjs):
--   wrk -t1 -c50 -d10s --latency -s bench/serve/post.lua <url> -- <body.json> [count]
-- POSTs the JSON body read from <body.json> on every request. With "count", response() also
-- counts every status outside 200-299 (wrk's own "Non-2xx or 3xx" counts only >= 400); this costs
-- wrk some CPU per response, so it is used for the soak, not the throughput runs. done() prints one
-- line "KEEL_WRK {json}" with requests, duration, errors, non-2xx and latency percentiles (µs).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
  non2xx = 0
  statuses = {}
  if args[2] == "count" then
    response = function(status, headers, body)
      if status < 200 or status > 299 then
        non2xx = non2xx + 1
        statuses[status] = (statuses[status] or 0) + 1
      end
    end
  end
end

function done(summary, latency, requests)
  local n, counted = 0, false
  local by = {}
  for _, t in ipairs(threads) do
    n = n + (t:get("non2xx") or 0)
    local s = t:get("statuses")
    if s then for k, v in pairs(s) do by[#by + 1] = string.format('"%d":%d', k, v) end end
  end
  local e = summary.errors
  io.write(string.format(
    'KEEL_WRK {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"non2xx":%d,"non2xx_by_status":{%s},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, n, table.concat(by, ","),
    latency.min, latency.mean, latency.stdev, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
