"""The Source view: key to the cited page on screen, and the first download and render of a
document, against the simulator on loopback.

Each figure has a baseline measured in the same run, so the ratio holds on a noisy machine:
the key is compared with pushing and drawing an empty screen, the first download with the same
fetch from the disk cache.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure


def run(ctx: Context) -> list[Figure]:
    from benchmarks.report import Figure
    from benchmarks.simhost import serving
    from benchmarks.stats import median
    from explorer.sim import SimConfig

    runs = 4 if ctx.plan.quick else 12
    old = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory() as cache_home, serving(SimConfig(big_rows=2_000)) as sim:
        os.environ["XDG_CACHE_HOME"] = cache_home  # never the user's cache
        try:
            keys = asyncio.run(_keys(sim, runs))
            fetch = asyncio.run(_fetch(sim, runs, cache_home))
        finally:
            if old is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = old
    open_ms, step_ms, base_ms = keys["open"], keys["step"], keys["base"]
    first, cached = fetch["first"], fetch["cached"]
    return [
        Figure(
            "source",
            "Source view: w on a cited field to its page drawn (document cached)",
            median(open_ms),
            "ms",
            target=150.0,
            samples=open_ms,
            note=f"min {min(open_ms):.0f} ms of {len(open_ms)}; "
            f"{median(open_ms) / median(base_ms):.1f}x an empty screen pushed and drawn "
            f"({median(base_ms):.0f} ms); next field in the view (j) {median(step_ms):.0f} ms",
        ),
        Figure(
            "source",
            f"first download + render of a {fetch['pages']}-page PDF (parse job + file)",
            median(first),
            "ms",
            target=1000.0,
            samples=first,
            note=f"min {min(first):.0f} ms of {len(first)}; from the disk cache "
            f"{median(cached):.0f} ms ({median(first) / median(cached):.1f}x); page rendered "
            "at 1,100 px and drawn in 60 character cells",
        ),
    ]


async def _keys(sim: Any, runs: int) -> dict[str, list[float]]:
    from textual.screen import Screen
    from textual.widgets import Static

    from explorer.api.client import ExtractClient
    from explorer.core.source import ApiJobSource
    from explorer.settings import Settings
    from explorer.tui.app import ExplorerApp
    from explorer.tui.screens.source import SourceScreen
    from explorer.tui.widgets.result_view import ResultView

    job_id = sim.state.notable["invoice_cited"]
    client = ExtractClient("bench-key", sim.url)
    app = ExplorerApp(
        Settings(animation=False), ApiJobSource(client), job_id=job_id, on_close=client.aclose
    )

    class Empty(Screen[None]):
        def compose(self) -> Any:
            yield Static("empty", id="empty")

    def drawn(screen: Any) -> str:
        crop = screen.query_one("#source-crop")
        return str(crop.render())

    async def until(pilot: Any, condition: Any, limit: float = 30.0) -> None:
        end = time.perf_counter() + limit
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError("the Source view did not draw")
            await pilot.pause(0.002)

    out: dict[str, list[float]] = {"open": [], "step": [], "base": []}
    async with app.run_test(size=(120, 40)) as pilot:
        app.watcher.paused = True
        panes = app.main.panes
        await until(pilot, lambda: job_id in panes.analyses and job_id in app.documents)
        app.main.action_show_tab("results")
        await until(pilot, lambda: app.query_one(ResultView).has_focus)
        panes.results.select_path(("total",))
        await pilot.pause(0.1)
        for _ in range(runs):
            start = time.perf_counter()
            await pilot.press("w")
            await until(
                pilot,
                lambda: isinstance(app.screen, SourceScreen) and "┌" in drawn(app.screen),
            )
            out["open"].append((time.perf_counter() - start) * 1000)
            before = drawn(app.screen)
            start = time.perf_counter()
            await pilot.press("j")
            await until(pilot, lambda before=before: drawn(app.screen) != before)
            out["step"].append((time.perf_counter() - start) * 1000)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, SourceScreen))
            start = time.perf_counter()
            app.push_screen(Empty())
            await until(pilot, lambda: isinstance(app.screen, Empty))
            await pilot.pause(0)
            out["base"].append((time.perf_counter() - start) * 1000)
            app.pop_screen()
            await pilot.pause(0.05)
    return out


async def _fetch(sim: Any, runs: int, cache_home: str) -> dict[str, Any]:
    from explorer.api.client import ExtractClient
    from explorer.core.doc_cache import DocumentCache
    from explorer.core.doc_fetch import fetch_document
    from explorer.core.page_image import cell_page, render_pdf_page

    state = sim.state
    # the document with the most pages among the world's completed jobs on a file
    best = max(
        (
            r
            for r in list(state._jobs.values())
            if r.document.startswith("dfl-") and r.final_status == "COMPLETED"
        ),
        key=lambda r: r.pages,
    )
    first: list[float] = []
    cached: list[float] = []
    async with ExtractClient("bench-key", sim.url) as client:
        job = (await client.get_job(best.id, project_id=best.project_id)).to_json_dict()
        for n in range(runs):
            cache = DocumentCache(Path(cache_home) / f"run{n}")
            for into in (first, cached):
                start = time.perf_counter()
                got = await fetch_document(client, job, cache)
                doc = got.document
                assert doc is not None and doc.pdf is not None, got.notes
                image = render_pdf_page(doc.pdf, 1, width_px=1100)
                size = doc.page(1).size if doc.page(1) else (612.0, 792.0)
                cell_page(image, size or (612.0, 792.0), [], 60)
                into.append((time.perf_counter() - start) * 1000)
    return {"first": first, "cached": cached, "pages": best.pages}
