"""Benchmarks: `python -m benchmarks.run --scale demo` runs every `bench_*.py` (see README.md)."""
