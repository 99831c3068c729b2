-- wrk script for a timed run over a fixed set of URLs: each thread walks the list from
-- its own offset and wraps around, so every URL is asked for many times. At the end it
-- prints one JSON line with requests/s and latency percentiles (in milliseconds).
--   wrk -t2 -c64 -d30s -s bench/rotate.lua http://host:port -- urls.txt
local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  position = (offset * 7919) % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "requestsPerSecond": %.1f, "p50Ms": %.3f, "p99Ms": %.3f, ' ..
    '"maxMs": %.3f, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
