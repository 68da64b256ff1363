"""WOMS benchmarks (``python -m bench [p1 p2 ...]``): each prints one ratio measured within one run.

The machines these run on are noisy (2 cores shared with other test runs), so every figure is a
ratio of two things measured back to back in the same run (or a latency percentile divided by its
goal), never an absolute compared across runs. Results go to docs/PERFORMANCE.md.
"""
