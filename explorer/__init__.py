"""extract-explorer: a terminal UI for exploring LlamaCloud Extract v2 jobs."""

__version__ = "0.1.0"
