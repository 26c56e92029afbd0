"""Benchmarks: wtorch against the plain git commands a shell script would run, as ratios (`python -m benchmarks`)."""
