"""Regenerate ``screenshots/``: drive the app against a frozen simulator and save SVGs.

Run ``python -m explorer.screenshots [--out screenshots]``. The simulator's clock is frozen and
the app's "now" pinned to it, so the pictures only change when the UI does.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


@dataclass
class Shot:
    """One screenshot: which job, which tab, which keys, what size."""

    name: str
    role: str | None
    tab: str = "overview"
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (120, 40)
    focus_results: bool = False
    extra: Callable[..., Awaitable[None]] | None = field(default=None, repr=False)


async def _fields_low(app, pilot) -> None:
    app.query_one("#fields-table").focus()
    await pilot.press("b", "s")


async def _diff(app, pilot) -> None:
    other = app.sim_roles["invoice_rerun"]
    app.main.tree.marked = (app.main.panes.job_id, other)
    app.main.action_diff()
    for _ in range(100):
        await pilot.pause(0.05)
        if app.screen.__class__.__name__ == "DiffScreen":
            break


def _source(path: tuple) -> Callable[..., Awaitable[None]]:
    """The Source view of the field at ``path``, once its page is drawn."""

    async def run(app, pilot) -> None:
        app.main.panes.results.select_path(path)
        await pilot.pause(0.1)
        await pilot.press("w")
        for _ in range(200):
            await pilot.pause(0.05)
            screen = app.screen
            if screen.__class__.__name__ == "SourceScreen" and screen.document is not None:
                crop = screen.query_one("#source-crop")
                if "┌" in str(crop.render()):
                    break

    return run


async def _fleet_view(app, pilot) -> None:
    """The Failures or Usage view (opened by the shot's key), once its numbers are drawn."""
    for _ in range(400):
        await pilot.pause(0.05)
        screen = app.screen
        if getattr(screen, "result", None) is not None and not screen.busy:
            break
    await pilot.pause(0.2)


async def _rerun(app, pilot) -> None:
    """The re-run form with the tier changed: what changes, the input, the estimate."""
    from textual.widgets import Select

    await pilot.press("R")
    for _ in range(100):
        await pilot.pause(0.05)
        if app.screen.__class__.__name__ == "RerunScreen":
            break
    app.screen.query_one("#rerun-tier", Select).value = "agentic_plus"
    await pilot.pause(0.2)


SHOTS = [
    Shot("overview-invoice", "invoice_cited"),
    Shot(
        "results-invoice-citation", "invoice_cited", "results", ("down", "down"), focus_results=True
    ),
    Shot("configuration-invoice", "invoice_cited", "configuration"),
    Shot("rows-table", "big", "results", ("v", "down", "down"), focus_results=True),
    Shot("failed-job", "failed"),
    Shot("running-job", "long_running", "results", focus_results=True),
    Shot("help", None, keys=("question_mark",)),
    Shot("small-80x24", "invoice_cited", "results", ("down",), (80, 24), focus_results=True),
    Shot("fields-low-confidence", "schema_breaking", "fields", extra=_fields_low),
    Shot("diff-two-tiers", "invoice_cited", extra=_diff),
    Shot(
        "source-ungrounded",
        "grounding_value_mismatch",
        "results",
        focus_results=True,
        extra=_source(("total",)),
    ),
    Shot(
        "source-80x24",
        "invoice_cited",
        "results",
        size=(80, 24),
        focus_results=True,
        extra=_source(("total",)),
    ),
    Shot("rerun-form", "invoice_cited", extra=_rerun),
    Shot("failures", None, keys=("F",), extra=_fleet_view),
    Shot("usage", None, keys=("dollar_sign",), extra=_fleet_view),
]


async def take(shot: Shot, sim, out: Path) -> Path:
    """Run the app headless for one shot and save its SVG."""
    from explorer.api.client import ExtractClient
    from explorer.core.source import ApiJobSource
    from explorer.settings import Settings
    from explorer.tui.app import ExplorerApp
    from explorer.tui.widgets.results_pane import ResultsPane

    job_id = sim.state.notable[shot.role] if shot.role else None
    from explorer.core.doc_cache import DocumentCache, private_cache_dir

    client = ExtractClient("screenshot-key", sim.url)
    app = ExplorerApp(
        Settings(animation=False),
        ApiJobSource(client, documents=DocumentCache(private_cache_dir())),
        job_id=job_id,
        demo_url="http://127.0.0.1:8321",
        on_close=client.aclose,
        now=lambda: NOW,
    )
    app.sim_roles = sim.state.notable  # type: ignore[attr-defined]
    async with app.run_test(size=shot.size) as pilot:
        app.watcher.paused = True
        for _ in range(200):
            await pilot.pause(0.05)
            current = app.main.panes.job_id
            job = app.store.details.get(current) if current else None
            # Wait for the field analysis (a thread) too, so the picture is complete.
            if job is not None and job.extract_result is None:
                break
            analysis = app.main.panes.analyses.get(current)
            if analysis is None:
                continue
            # and for its document, when it cites one (the health line says what it found)
            fetched = app.documents.get(current)
            cites = any(r.citations for r in analysis.rows[:5_000])
            report = analysis.grounding
            if not cites or (
                fetched is not None
                and (fetched.document is None or (report is not None and report.with_document))
            ):
                break
        # and for the file and configuration names of the jobs in the tree
        for _ in range(100):
            if not app.source.names.missing(list(app.store.jobs.values())):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        app.main.action_show_tab(shot.tab)
        if shot.focus_results:
            app.query_one(ResultsPane).focus_view()
        await pilot.pause(0.2)
        for key in shot.keys:
            await pilot.press(key)
        if shot.extra is not None:
            await shot.extra(app, pilot)
        await pilot.pause(0.4)
        app.clear_notifications()
        await pilot.pause(0.1)
        path = out / f"{shot.name}.svg"
        path.write_text(app.export_screenshot(title=f"extract-explorer — {shot.name}"))
    return path


async def take_all(out: Path, names: list[str] | None = None) -> list[Path]:
    from explorer.sim import SimConfig, SimServer

    out.mkdir(parents=True, exist_ok=True)
    config = SimConfig(seed=7, now=NOW, clock=lambda: NOW.timestamp(), big_rows=50_000)
    paths = []
    with SimServer(config) as sim:
        for shot in SHOTS:
            if names and shot.name not in names:
                continue
            paths.append(await take(shot, sim, out))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.screenshots", description=__doc__)
    parser.add_argument("--out", default="screenshots", help="directory for the SVGs")
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    args = parser.parse_args(argv)
    for path in asyncio.run(take_all(Path(args.out), args.names)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
