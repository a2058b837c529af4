"""Side-by-side benchmarks (``make bench``); see docs/benchmarks.md for measured figures."""
