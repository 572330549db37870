"""Performance harness for extract-explorer: ``python -m benchmarks [--quick] [--json]``.

Numbers, not pass/fail: every figure is a median of several runs, ratios are measured in the
same run, and a missed target is reported, never raised.
"""
