"""The main screen's key to the request log: ``L`` lists every request the client made.

A mixin of :class:`~explorer.tui.main_screen.MainScreen`, in the manner of
:class:`~explorer.tui.fleet_actions.FleetActions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp


class RequestActions:
    """``L`` opens the request log of the app's client."""

    explorer: ExplorerApp

    def action_requests(self) -> None:
        """``L``: every request made, newest first; ``y`` there copies one as curl / SDK."""
        from explorer.api.request_log import RequestLog
        from explorer.tui.screens.requests import RequestsScreen

        client = getattr(self.explorer.source, "client", None)
        log = getattr(client, "requests", None)
        if not isinstance(log, RequestLog):
            self.explorer.notify("These jobs come from files: no request is made.", timeout=4)
            return
        self.explorer.push_screen(RequestsScreen(log, str(client.base_url)))
