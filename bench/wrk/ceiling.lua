-- Fixed-duration POSTs to one ceiling endpoint (bench/ceiling_wsgi.py), each with the next enterprise's token from
-- the claim rush's work file, the claim's headers and body. done() prints one JSON line the harness parses
-- (errors: failed connections and any answer ≥ 400; a sold-out claim's 409 is counted as an error too, so the
-- harness reports its requests, not its errors). args: threads, path, work file, optional body.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  nthreads, path = tonumber(args[1]), args[2]
  body = args[4] or '{"voucher_type": 1}'
  tokens = {}
  for line in io.lines(args[3]) do table.insert(tokens, line:match("^([^\t]+)")) end
  next_token = id
end

function request()
  next_token = next_token + nthreads
  local headers = {["Authorization"] = "Token " .. tokens[(next_token % #tokens) + 1],
                   ["Content-Type"] = "application/json", ["Host"] = "127.0.0.1"}
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
