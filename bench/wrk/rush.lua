-- Rush of POSTs, one per line of the work file: "token<TAB>path<TAB>json body". Every line is a different
-- enterprise (its own token), so each claims (or deducts) once. Lines are split between wrk threads (thread i
-- takes lines i, i+n, …); a thread stops once every one of its POSTs is answered. Counts responses per
-- status; done() prints one JSON line the harness parses.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1])
  work_file = args[2]
  marker = args[3]
  -- ms to wait before each idle /healthz/ once this thread's share is sent: 0 against sync workers (an open
  -- idle connection would block one), a pause against gthread workers (keep-alive: an idle connection costs
  -- nothing there, and an immediate /healthz/ loop would eat the CPU the last claims need)
  idle_delay = tonumber(args[4] or "0")
  tokens = {}
  local i = 0
  for line in io.lines(work_file) do
    if i % nthreads == id then
      local token, path, body, key = line:match("^([^\t]+)\t([^\t]+)\t([^\t]*)\t?([^\t]*)$")
      table.insert(tokens, {token, path, body, key})
    end
    i = i + 1
  end
  next_token = 1
  sent = 0
  statuses = {}
  s201, s409, s4xx, s5xx, other = 0, 0, 0, 0, 0
end

function progress()
  -- "answered total all_sent" for the harness, which interrupts wrk once every POST is answered (or, if one
  -- never is, once nothing has moved for a while after everything was sent)
  local f = io.open(marker .. "-" .. id, "w")
  f:write(string.format("%d %d %d\n", s201 + s409 + s4xx + s5xx, #tokens, next_token > #tokens and 1 or 0))
  f:close()
end

function delay()
  if next_token > #tokens then return idle_delay end
  return 0
end

function request()
  if next_token > #tokens then
    if not announced then announced = true progress() end
    -- this thread's share is sent; until its last answers arrive the connection asks for /healthz/ (counted as
    -- "other", excluded from the claim figures). An idle open connection would block a sync gunicorn worker.
    return wrk.format("GET", "/healthz/", {["Host"] = "127.0.0.1"})
  end
  local work = tokens[next_token]
  next_token = next_token + 1
  local headers = {["Authorization"] = "Token " .. work[1], ["Content-Type"] = "application/json",
                   ["Host"] = "127.0.0.1"}
  if work[4] ~= "" then headers["Idempotency-Key"] = work[4] end
  return wrk.format("POST", work[2], headers, work[3])
end

function response(status, headers, body)
  -- API responses carry DRF's Allow header; the idle /healthz/ answers do not
  if headers["Allow"] == nil and status == 200 then other = other + 1 return end
  if status >= 200 and status < 300 then s201 = s201 + 1  -- s201: any success (claim 201, deduct 200)
  elseif status == 409 then s409 = s409 + 1
  elseif status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else s4xx = s4xx + 1 end
  progress()
  if s201 + s409 + s4xx + s5xx == #tokens then wrk.thread:stop() end
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
