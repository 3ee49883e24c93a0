"""Benchmark: what authentication costs per request, as ratios to an open endpoint.

Run from the project root: ``python -m bench`` (about half a minute). It prints numbers;
it asserts nothing. See docs/performance.md.
"""
