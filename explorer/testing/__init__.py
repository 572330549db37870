"""Helpers for tests and benchmarks that drive the real app (not imported by the app)."""
