"""payhub's benchmark suite: ``python -m benchmarks.run`` (``make bench``); see docs/benchmarks.md."""
