"""The main screen's keys to the fleet views: ``F`` failures, ``$`` usage and credits.

A mixin of :class:`~explorer.tui.main_screen.MainScreen`, in the manner of
:class:`~explorer.tui.job_actions.JobActions`: each view lists the jobs of every project
itself (workers; see :mod:`explorer.tui.fleet_load`), so opening one costs the main view
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp


class FleetActions:
    """``F`` opens the Failures view, ``$`` the Usage view."""

    explorer: ExplorerApp

    def action_failures(self) -> None:
        """``F``: failed jobs grouped by error, and stuck jobs, across every project."""
        from explorer.tui.screens.failures import FailuresScreen

        self.explorer.push_screen(FailuresScreen(self.explorer))

    def action_usage(self) -> None:
        """``$``: credits, pages, failure rate and durations by day, week, config, tier..."""
        from explorer.tui.screens.usage import UsageScreen

        self.explorer.push_screen(UsageScreen(self.explorer))
