"""How big and how many: the full run, and ``--quick`` for CI (under a minute on 2 cores)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """Sizes and repetition counts of one harness run."""

    quick: bool
    #: Fresh processes timed from start to the first painted tree.
    startup_runs: int
    #: Rows of the big per_table_row job (the issue's figure is 200,000).
    big_rows: int
    #: Fresh app processes that open the big job (each also times keys and memory).
    big_runs: int
    key_presses: int
    #: Jobs in the bulk project of the tree figure (the issue's figure is 100,000).
    bulk_jobs: int
    tree_runs: int
    tree_toggles: int
    tree_keys: int
    #: Presses per kind in the bytes-per-key figure.
    byte_keys: int
    refresh_cycles: int
    sdk_runs: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(
                quick=True,
                startup_runs=3,
                big_rows=20_000,
                big_runs=2,
                key_presses=20,
                bulk_jobs=5_000,
                tree_runs=1,
                tree_toggles=3,
                tree_keys=20,
                byte_keys=6,
                refresh_cycles=3,
                sdk_runs=2,
            )
        return cls(
            quick=False,
            startup_runs=5,
            big_rows=200_000,
            big_runs=3,
            key_presses=150,
            bulk_jobs=100_000,
            tree_runs=3,
            tree_toggles=5,
            tree_keys=60,
            byte_keys=30,
            refresh_cycles=6,
            sdk_runs=3,
        )
