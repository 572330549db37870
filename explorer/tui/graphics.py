"""Whether the Source view may draw pages with the terminal's graphics (Kitty, Sixel).

Graphics come from ``textual-image``, which asks the terminal what it supports when it is
imported — that must happen before Textual starts reading the keyboard, and it costs a round
trip (up to 0.1 s per question) in a terminal that never answers. So it is asked only where
graphics can work, and everywhere else the view draws pages in character cells:

- ``EXTRACT_EXPLORER_GRAPHICS=off`` (or ``cells``) never asks; ``on`` asks whatever the
  terminal looks like; ``auto`` (the default) asks only in a terminal known to draw images
  (kitty, WezTerm, Konsole, foot, mlterm, iTerm2, Ghostty, contour) and never:
- inside tmux or screen: their panes do not pass Kitty's image placeholders through and Sixel
  only with a build that has it (textual-image's own caveat), so cells are the safe choice;
- when served to a browser (``TEXTUAL_DRIVER`` is Textual's web driver, as textual-serve and
  ``extract-explorer serve`` set it): xterm.js has neither protocol, even with ``on``;
- when stdin or stdout is not a terminal (a pipe, ``open -``, a test, the browser), or with
  ``TERM=dumb``.

:func:`decide` is pure (environment in, answer out); :func:`probe` does the asking.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ENV_GRAPHICS", "GraphicsChoice", "decide", "probe"]

ENV_GRAPHICS = "EXTRACT_EXPLORER_GRAPHICS"
_CAPABLE_TERMS = ("xterm-kitty", "foot", "mlterm", "contour", "xterm-ghostty", "wezterm")
_CAPABLE_PROGRAMS = ("WezTerm", "iTerm.app", "ghostty", "kitty", "konsole", "contour")


@dataclass(frozen=True)
class GraphicsChoice:
    """Whether to ask the terminal for graphics, and why (said in the Source view)."""

    ask: bool
    reason: str


def decide(env: Mapping[str, str], *, stdin_tty: bool, stdout_tty: bool) -> GraphicsChoice:
    """Whether graphics are worth asking the terminal for."""
    wanted = env.get(ENV_GRAPHICS, "auto").strip().lower()
    if wanted in ("off", "cells", "no", "0", "false"):
        return GraphicsChoice(False, f"{ENV_GRAPHICS}={wanted}")
    if "web_driver" in env.get("TEXTUAL_DRIVER", ""):
        # served to a browser (textual-serve, `extract-explorer serve`): xterm.js draws
        # neither Kitty nor Sixel images, whatever EXTRACT_EXPLORER_GRAPHICS says
        return GraphicsChoice(False, "served to a browser")
    if not (stdin_tty and stdout_tty):
        return GraphicsChoice(False, "not a terminal")
    term = env.get("TERM", "")
    if term == "dumb":
        return GraphicsChoice(False, "TERM=dumb")
    if wanted in ("on", "yes", "1", "true"):
        return GraphicsChoice(True, f"{ENV_GRAPHICS}={wanted}")
    if env.get("TMUX") or term.startswith(("screen", "tmux")):
        return GraphicsChoice(False, "inside tmux/screen (images do not pass through)")
    program = env.get("TERM_PROGRAM", "")
    if (
        term in _CAPABLE_TERMS
        or env.get("KITTY_WINDOW_ID")
        or env.get("WEZTERM_PANE")
        or env.get("KONSOLE_VERSION")
        or program in _CAPABLE_PROGRAMS
    ):
        return GraphicsChoice(True, f"terminal {program or term}")
    return GraphicsChoice(False, "terminal not known to draw images")


def probe(env: Mapping[str, str] | None = None) -> str | None:
    """Ask the terminal (before Textual starts) and return "sixel" or "tgp", or None."""
    env = os.environ if env is None else env
    choice = decide(
        env, stdin_tty=sys.stdin.isatty(), stdout_tty=bool(sys.stdout and sys.stdout.isatty())
    )
    if not choice.ask:
        return None
    try:
        from textual_image.renderable import Image as Renderable
        from textual_image.renderable.sixel import Image as Sixel
        from textual_image.renderable.tgp import Image as Tgp
        from textual_image.widget import Image as _widget  # noqa: F401 (its cell size query)
    except Exception:  # a terminal that answers oddly: cells it is
        return None
    if Renderable is Sixel:
        return "sixel"
    if Renderable is Tgp:
        return "tgp"
    return None
