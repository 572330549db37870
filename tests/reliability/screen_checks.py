"""What the round-2 screen tests look at: the screen as drawn, its segments, and the jobs they
are drawn from (written to a file and opened, as ``extract-explorer open`` would)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.segment import Segment

from explorer.core.files import load_paths
from explorer.core.source import FileJobSource
from explorer.settings import Settings
from explorer.tui.app import ExplorerApp
from tests.reliability.apps import WatchedApp, watched
from tests.reliability.terminal import RAW

#: The issue's palette payloads: a click that quits, one that writes a file, a link.
CLICK_QUIT = "[@click=app.quit]CLICKME[/]"
LINK = "[link=http://x]LINKME[/link]"
#: The issue's hostile id: clear screen, retitle the window, reverse the text, and markup.
HOSTILE_ID = "ext-\x1b[2J\x1b]0;T\x07\u202e[b]bold[/b]"


def click_shot(directory: Path) -> str:
    """A status that, read as markup, saves a screenshot into ``directory`` on one click."""
    return f"[@click=app.screenshot('owned.svg','{directory}')]SHOTME[/]"


def job(job_id: str, status: str = "COMPLETED", **extra: Any) -> dict[str, Any]:
    """A small, valid job; ``extra`` overrides or adds fields."""
    return {
        "id": job_id,
        "project_id": "prj-1",
        "status": status,
        "file_input": "dfl-1",
        "created_at": "2026-11-28T10:00:00Z",
        "updated_at": "2026-11-28T10:01:00Z",
        "configuration": {"data_schema": {"type": "object"}, "extraction_target": "per_doc"},
        "extract_result": {"total": 1},
        **extra,
    }


class LiveFiles(FileJobSource):
    """Jobs from files that the app treats as live (so cancel asks its question)."""

    live = True


def jobs_app(
    tmp_path: Path,
    jobs: list[dict[str, Any]],
    *,
    job_id: str | None = None,
    live: bool = False,
    **settings: Any,
) -> WatchedApp:
    """The real app over ``jobs`` written to a file; ``settings`` as for :class:`Settings`."""
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(jobs), encoding="utf-8")
    loaded = load_paths([str(path)])
    assert not loaded.problems, loaded.problems
    source = (LiveFiles if live else FileJobSource)(loaded)
    app = ExplorerApp(Settings(animation=False, **settings), source, job_id=job_id)
    return watched(app)


def screen_strips(app: ExplorerApp) -> list[list[Segment]]:
    """Every line of the screen (dialogs and toasts included) as the segments drawn."""
    return [list(strip) for strip in app.screen._compositor.render_strips()]


def screen_lines(app: ExplorerApp) -> list[str]:
    """Every line of the screen as text."""
    return ["".join(s.text for s in line) for line in screen_strips(app)]


def screen_text(app: ExplorerApp) -> str:
    return "\n".join(screen_lines(app))


def actions_on_screen(app: ExplorerApp) -> list[str]:
    """The text of every segment that carries a click action or a link."""
    found = []
    for line in screen_strips(app):
        for segment in line:
            style = segment.style
            if style is not None and (style.link or "@click" in (style.meta or {})):
                found.append(segment.text)
    return found


def assert_inert_screen(app: ExplorerApp, where: str) -> None:
    """No raw control, bidi, zero-width or surrogate character anywhere on the screen."""
    for line in screen_lines(app):
        raw = RAW.search(line)
        assert raw is None, f"{where}: raw {raw.group()!r} in {line!r}"
