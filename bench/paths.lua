-- wrk script: cycle through the request paths listed (one a line) in the file named by the
-- first script argument, and print the figures the benchmark needs as one JSON line.
-- Usage: wrk -s bench/paths.lua URL -- paths.txt
local paths = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  -- Threads start at different places so they do not ask for the same page in lockstep.
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
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
