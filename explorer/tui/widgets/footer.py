"""Textual's Footer, rebuilt once per frame however many times the bindings changed."""

from __future__ import annotations

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

__all__ = ["QuietFooter"]


class QuietFooter(Footer):
    """Textual's Footer recomposes (unmounts and mounts every key) on each bindings signal,
    and a focus change, a tab switch and a refresh of the bindings each send one: six rebuilds
    before the first job list is painted. This one rebuilds once for all the signals of a
    frame."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
        self._forget_old_keys()

    def _forget_old_keys(self) -> None:
        """Drop the watchers the removed keys left on this footer.

        Each key binds the footer's ``compact`` (``data_bind``), which adds a watcher here;
        Textual prunes the watchers of closed nodes only when ``compact`` changes, which it
        never does, so every rebuild kept the old keys alive (18 per help screen opened).
        """
        watchers = getattr(self, "__watchers", None)
        if not watchers:
            return
        for name, entries in watchers.items():
            watchers[name] = [
                (node, callback)
                for node, callback in entries
                if not (isinstance(node, Widget) and (node._closing or node._closed))
            ]
