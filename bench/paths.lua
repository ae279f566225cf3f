-- wrk script: each thread cycles through its own share of the request paths listed (one a
-- line) in the file named by the first script argument, and the figures the benchmark needs
-- are printed as one JSON line.
-- Usage: wrk -s bench/paths.lua URL -- paths.txt THREADS
--
-- Thread k of n takes every nth path from the kth (all of them if that leaves it none), as
-- bench/loadgen.py's share() does. Every thread once started at math.random(#paths), meant to
-- spread them; but each thread's Lua state draws the same unseeded sequence, so both started
-- at the same path and a case whose words are each asked once had each asked twice.
local paths = {}
local counter = 0
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do
    if #line > 0 then all[#all + 1] = line end
  end
  local n = tonumber(args[2]) or 1
  for i = id + 1, #all, n do paths[#paths + 1] = all[i] end
  if #paths == 0 then paths = all end
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[((counter - 1) % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    latency.max))
end
