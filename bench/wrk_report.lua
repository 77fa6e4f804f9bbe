-- wrk reporter for bench/run.py: one JSON line with throughput, latency percentiles (ms)
-- and errors. Every request carries the header a TLS-terminating proxy would set.
wrk.headers["X-Forwarded-Proto"] = "https"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50": %.3f, "p95": %.3f, ' ..
    '"p99": %.3f, "max": %.3f, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
