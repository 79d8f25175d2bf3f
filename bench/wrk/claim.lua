-- Claim rush: every request is a different enterprise (its own token), so each enterprise claims once.
-- Tokens are split between wrk threads (thread i takes lines i, i+n, …); a thread stops when its share is
-- used up. Counts responses per status; done() prints one JSON line the harness parses.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1])
  tokens_file = args[2]
  path = args[3]
  body = args[4]
  marker = args[5]
  tokens = {}
  local i = 0
  for line in io.lines(tokens_file) do
    if i % nthreads == id then table.insert(tokens, line) end
    i = i + 1
  end
  next_token = 1
  sent = 0
  statuses = {}
  s201, s409, s4xx, s5xx, other = 0, 0, 0, 0, 0
end

function request()
  if next_token > #tokens then
    -- this thread's share is sent; until its last answers arrive the connection asks for /healthz/ (counted as
    -- "other", excluded from the claim figures). An idle open connection would block a sync gunicorn worker.
    return wrk.format("GET", "/healthz/", {["Host"] = "127.0.0.1"})
  end
  local token = tokens[next_token]
  next_token = next_token + 1
  return wrk.format("POST", path, {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json",
                                   ["Host"] = "127.0.0.1"}, body)
end

function response(status, headers, body)
  if status == 201 then s201 = s201 + 1
  elseif status == 409 then s409 = s409 + 1
  elseif status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else other = other + 1 end
  if s201 + s409 + s4xx + s5xx == #tokens then
    -- every token of this thread answered: tell the harness (it interrupts wrk when all threads are done)
    local f = io.open(marker .. "-" .. id, "w")
    f:write(string.format("%d %d %d %d\n", s201, s409, s4xx, s5xx))
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = {s201 = 0, s409 = 0, s4xx = 0, s5xx = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "status_errors": %d, "s201": %d, "s409": %d, "s4xx": %d, "s5xx": %d, "other": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, t.s201, t.s409, t.s4xx, t.s5xx, t.other,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
