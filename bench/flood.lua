-- wrk script for a flood of misses: every request asks for a default of a random hash at
-- SIZE px (2048 unless given), so none can be a cache hit. At the end it prints one JSON
-- line with the count of each status and requests/s.
--   wrk -t1 -c200 -d30s -s bench/flood.lua http://host:port [-- SIZE]
local threads = {}
local hex = "0123456789abcdef"

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  size = tonumber(args[1]) or 2048
  math.randomseed(os.time() * 1000 + id)
  ok, overloaded, timedOut, other = 0, 0, 0, 0
end

function request()
  local digits = {}
  for i = 1, 32 do
    local n = math.random(1, 16)
    digits[i] = hex:sub(n, n)
  end
  return wrk.format("GET", "/avatar/" .. table.concat(digits) .. "?d=identicon&s=" .. size)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status == 503 and headers["Retry-After"] ~= nil then
    if body:find("render_timeout", 1, true) then timedOut = timedOut + 1 else overloaded = overloaded + 1 end
  else other = other + 1 end
end

function done(summary, latency, requests)
  local totals = {ok = 0, overloaded = 0, timedOut = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "requestsPerSecond": %.1f, "status200": %d, "status503Overloaded": %d, ' ..
    '"status503RenderTimeout": %d, "otherStatus": %d, "socketErrors": %d, "p99Ms": %.3f}\n',
    summary.requests, summary.requests / (summary.duration / 1e6), totals.ok, totals.overloaded, totals.timedOut,
    totals.other, errors.connect + errors.read + errors.write + errors.timeout, latency:percentile(99) / 1000))
end
