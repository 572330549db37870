"""Performance harness for extract-explorer: ``python -m benchmarks [--quick] [--json]``.

Every figure is measured against the simulator on loopback and reported, never asserted: the
machines here are noisy, so the harness prints medians and same-run ratios next to the targets of
issue 6 and leaves the judgement to the reader. Anything that renders the app runs in a fresh
child process, so one measurement's memory and GC state cannot leak into the next.

This package imports nothing at import time: the start-up benchmark runs a module of it as
``python -m`` and measures from process start.
"""
