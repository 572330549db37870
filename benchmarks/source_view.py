"""Figure 9: the Source view. A field's page on screen, and a document's first download.

1. In the app (demo world, 120x40) on the cited invoice, its document already in memory:
   ``w`` on Results' ``total`` to the first frame written with the page drawn (the cited
   region's box outlined), and ``j`` inside the view to the first frame showing the next field's
   page. Each is also given as a ratio to a baseline timed in the same process and run, key to
   an empty Textual ``Screen`` pushed on screen: the cost of any screen change, so the ratio holds
   on a noisy machine where milliseconds do not.
2. Without the app: ``fetch_document`` (parse job + presigned file download, over loopback HTTP
   with our client) into an empty ``DocumentCache``, then page 1 rendered and drawn in cells as
   the view does; and the same again from the filled cache.

One child process measures both (the simulator stays in the parent, off the child's GIL), with
``XDG_CACHE_HOME`` in a temporary directory so nothing is written under ``~/.cache``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

SIZE = (120, 40)
#: The field selected in Results before ``w`` (cited, with a box taller than a line).
FIELD = ("total",)
#: The width the Source view renders a page at (``_RENDER_WIDTH`` in the screen).
RENDER_WIDTH = 1100
#: Pages the download figure asks for; the document closest above this is taken.
WANT_PAGES = 10
#: A step that shows nothing new within this long broke the harness.
STEP_TIMEOUT = 10.0
#: Writes smaller than this are not frames: at a screen change the app first writes the
#: pointer-shape sequence (OSC 22, 13 bytes), before anything is drawn.
MIN_FRAME_BYTES = 64


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: the Source view in a pilot, then the downloads."""
    os.environ["XDG_CACHE_HOME"] = args["cache_home"]
    return asyncio.run(_measure(args))


async def _measure(args: dict[str, Any]) -> dict[str, Any]:
    view = await _source_view(args)
    downloads = await _downloads(args, view["page_cells"])
    return {**view, **downloads}


class FullCollections:
    """The full (generation 2) garbage collections of this process: when each ended, and how
    long it took (``gc.callbacks``), to say which timed presses had one inside."""

    def __init__(self) -> None:
        self.done: list[tuple[float, float]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        now = time.perf_counter()
        if phase == "start":
            self._start = now
        else:
            self.done.append((now, now - self._start))

    def within(self, start: float, end: float) -> float:
        """Seconds spent in full collections that ended between ``start`` and ``end``."""
        return sum(took for at, took in self.done if start <= at <= end)


def _live_objects() -> int:
    """Objects alive after a full collection (untimed: between measurements only)."""
    gc.collect()
    return len(gc.get_objects())


def _plain(widget: Any) -> str:
    """What a Static shows, as text (cheap enough to check at every frame)."""
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


async def _source_view(args: dict[str, Any]) -> dict[str, Any]:
    from textual.binding import Binding
    from textual.screen import Screen

    from benchmarks.appkit import build_app, drive, wait_for
    from benchmarks.frames import FrameLog
    from explorer.tui.screens.source import SourceScreen
    from explorer.tui.widgets.result_view import ResultView

    class EmptyScreen(Screen[None]):
        """The baseline: a screen with nothing on it."""

        BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    job_id = args["job_id"]
    presses = int(args["presses"])
    log = FrameLog()
    collections = FullCollections()
    gc.callbacks.append(collections)
    app = build_app(args["url"], log, job_id=job_id)
    # The baseline's key: an app binding, reached from the focused Results like ``w`` is.
    app.bind("f12", "bench_empty_screen", show=False)
    app.action_bench_empty_screen = lambda: app.push_screen(EmptyScreen())  # type: ignore[attr-defined]

    def source() -> Any:
        screen = app.screen
        return screen if isinstance(screen, SourceScreen) else None

    def drawn() -> bool:
        screen = source()
        return screen is not None and "┌" in _plain(screen.query_one("#source-crop"))

    def pictures() -> str:
        screen = source()
        if screen is None:
            return ""
        return _plain(screen.query_one("#source-page")) + _plain(screen.query_one("#source-crop"))

    def on_main() -> bool:
        return not isinstance(app.screen, (SourceScreen, EmptyScreen))

    async def script(pilot: Any) -> dict[str, Any]:
        async def timed(key: str, shown: Callable[[], bool]) -> tuple[float, float, float]:
            """Press ``key``: seconds to the first frame showing it, for Pilot.press to return
            (it waits until the app is idle: later than the frame, not the figure), and in full
            garbage collections before that frame."""
            seen = log.watch(lambda: log.frames[-1].size >= MIN_FRAME_BYTES and shown())
            start = time.perf_counter()
            await pilot.press(key)
            returned = time.perf_counter()
            while not shown():
                if time.perf_counter() - start > STEP_TIMEOUT:
                    raise TimeoutError(f"{key!r}: nothing shown within {STEP_TIMEOUT:.0f} s")
                await pilot.pause(0.005)
            frame_at = await asyncio.wait_for(seen, STEP_TIMEOUT)
            return frame_at - start, returned - start, collections.within(start, frame_at)

        async def back() -> None:
            await pilot.press("escape")
            await wait_for(on_main, STEP_TIMEOUT, "back on the main screen")
            await log.quiet(0.1, timeout=5)

        def document_in() -> bool:
            fetched = app.documents.get(job_id)
            return fetched is not None and fetched.document is not None

        await wait_for(lambda: job_id in app.main.panes.analyses, 60, "the job analysed")
        app.watcher.paused = True  # the job is done: no refresh frames among the measured ones
        app.main.action_show_tab("results")
        view = app.query_one(ResultView)
        await wait_for(lambda: view.has_focus, 30, "Results focused")
        app.main.panes.results.select_path(FIELD)
        await pilot.pause()
        await wait_for(document_in, 60, "the job's document fetched")
        await log.quiet(0.3, timeout=30)

        # One of each first, untimed in the figures: the first page drawn in this process
        # imports pdfium and starts the render thread.
        first_open, _, _ = await timed("w", drawn)
        widget = source().query_one("#source-page")
        page_cells = [widget.content_size.width, widget.content_size.height]
        await back()
        await timed("f12", lambda: isinstance(app.screen, EmptyScreen))
        await back()

        baseline: list[float] = []
        opened: list[float] = []
        opened_press: list[float] = []
        opened_gc: list[float] = []
        objects_before = _live_objects()
        for _ in range(presses):  # interleaved: a slow patch of the machine hits both
            frame, _, _ = await timed("f12", lambda: isinstance(app.screen, EmptyScreen))
            baseline.append(frame)
            await back()
            frame, returned, collecting = await timed("w", drawn)
            opened.append(frame)
            opened_press.append(returned)
            opened_gc.append(collecting)
            await back()
        objects_after = _live_objects()

        # ``j`` walks the cited fields from ``total`` in one open view (the page of a field on
        # a page already drawn in this view is not rendered again: that is part of the cost).
        await timed("w", drawn)
        await log.quiet(0.1, timeout=5)
        moved: list[float] = []
        screen = source()
        assert screen is not None
        fields = len(screen.rows)
        for _ in range(presses):
            before = pictures()
            index = screen.index
            frame, _, _ = await timed(
                "j", lambda b=before, i=index: screen.index != i and pictures() != b
            )
            moved.append(frame)
            await log.quiet(0.05, timeout=5)
        await back()
        return {
            "first_open": first_open,
            "baseline": baseline,
            "opened": opened,
            "opened_press": opened_press,
            "opened_gc": opened_gc,
            "objects": [objects_before, objects_after],
            "moved": moved,
            "fields": fields,
            "page_cells": page_cells,
        }

    return await drive(app, SIZE, script)


async def _downloads(args: dict[str, Any], page_cells: list[int]) -> dict[str, Any]:
    from explorer.api.client import ExtractClient
    from explorer.core.doc_cache import DocumentCache

    root = Path(args["cache_home"]) / "downloads"
    runs = int(args["presses"])
    async with ExtractClient("bench-key", args["url"]) as client:
        job = await client.get_job(args["pdf_job_id"], project_id=args["pdf_project_id"])
        job_json = job.to_json_dict()
        # a first fetch ever makes the simulator build the file and its parse job; a real
        # server has them already
        warm = await _download(client, job_json, DocumentCache(root / "warm"), page_cells)
        first: list[dict[str, float]] = []
        cached: list[dict[str, float]] = []
        for i in range(runs):
            cache = DocumentCache(root / f"run-{i}")
            first.append(await _download(client, job_json, cache, page_cells))
            cached.append(await _download(client, job_json, cache, page_cells))
    return {"warm_download": warm, "first": first, "cached": cached}


async def _download(
    client: Any, job_json: dict[str, Any], cache: Any, page_cells: list[int]
) -> dict[str, float]:
    """Fetch the job's document into ``cache``, render page 1 and draw it in cells, timed."""
    from explorer.core.doc_fetch import fetch_document
    from explorer.core.page_image import cell_page, pdf_page_count, pdf_page_size, render_pdf_page

    start = time.perf_counter()
    fetched = await fetch_document(client, job_json, cache)
    got = time.perf_counter()
    doc = fetched.document
    if doc is None or doc.pdf is None or fetched.notes:
        raise RuntimeError(f"the document did not come whole: {fetched.unavailable or fetched}")
    image = render_pdf_page(doc.pdf, 1, width_px=RENDER_WIDTH)
    rendered = time.perf_counter()
    page = doc.page(1)
    size = (page.size if page is not None else None) or pdf_page_size(doc.pdf, 1)
    boxes = [page.runs[0].box] if page is not None and page.runs else []
    cols, height = page_cells
    rows = min(max(2, round(cols * size[1] / size[0] / 2)), max(2, height))
    cells = cell_page(image, size, boxes, cols, rows)
    done = time.perf_counter()
    assert cells.lines
    return {
        "total": done - start,
        "fetch": got - start,
        "render": rendered - got,
        "cells": done - rendered,
        "pages": pdf_page_count(doc.pdf),
        "pdf_bytes": len(doc.pdf),
    }


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` for the block (children inherit it)."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _pdf_job(server: Any) -> tuple[str, str, int]:
    """A completed job on a ``dfl-`` file of at least WANT_PAGES pages (the fewest such), else
    the one with the most pages: (job id, project id, pages)."""
    state = server.state
    records = [state.record(job_id) for job_id in list(state._jobs)]
    candidates = [
        rec
        for rec in records
        if rec is not None
        and rec.document.startswith("dfl-")
        and not any(tag in rec.document for tag in ("slow", "hold"))
        and "big" not in rec.tweaks
        and rec.final_status == "COMPLETED"
    ]
    if not candidates:
        raise RuntimeError("the simulator has no completed job on a file")
    enough = [rec for rec in candidates if rec.pages >= WANT_PAGES]
    rec = min(enough, key=lambda r: r.pages) if enough else max(candidates, key=lambda r: r.pages)
    return rec.id, rec.project_id, rec.pages


def run(ctx: Context) -> list[Figure]:
    """Parent side: the simulator here, one child measuring; medians and mins of N."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure, exit_errors
    from benchmarks.simhost import serving
    from benchmarks.stats import median, min_ratio
    from explorer.sim import SimConfig

    presses = 4 if ctx.plan.quick else 10
    with (
        tempfile.TemporaryDirectory(prefix="bench-xdg-") as cache_home,
        _environ("XDG_CACHE_HOME", cache_home),
        serving(SimConfig(big_rows=2_000)) as server,
    ):
        pdf_job_id, pdf_project_id, pages = _pdf_job(server)
        args = {
            "url": server.url,
            "job_id": server.state.notable["invoice_cited"],
            "pdf_job_id": pdf_job_id,
            "pdf_project_id": pdf_project_id,
            "presses": presses,
            "cache_home": cache_home,
        }
        result = run_child("source_view", args)

    def ms(values: list[float]) -> list[float]:
        return [v * 1000 for v in values]

    baseline, opened, moved = ms(result["baseline"]), ms(result["opened"]), ms(result["moved"])
    returned = ms(result["opened_press"])
    paused = ms(result["opened_gc"])
    with_gc = [o for o, g in zip(opened, paused, strict=True) if g > 0]
    without_gc = [o for o, g in zip(opened, paused, strict=True) if g == 0]
    before, after = result["objects"]
    collected = (
        f"{len(with_gc)} of {len(opened)} opens had a full GC before their frame "
        f"({median([g for g in paused if g > 0]):.0f} ms of collection; those opens "
        f"{median(with_gc):.0f} ms, the others {median(without_gc):.0f} ms)"
        if with_gc
        else "no full GC inside a timed open"
    )
    collected += f"; objects alive after a collection {before:,} -> {after:,} over the opens"
    base = median(baseline)
    n = len(opened)
    cells = "x".join(str(v) for v in result["page_cells"])
    first = result["first"]
    cached = result["cached"]
    pages = first[0]["pages"]
    kb = first[0]["pdf_bytes"] / 1024

    def part(runs: list[dict[str, float]], name: str) -> float:
        return median([r[name] * 1000 for r in runs])

    first_s = [r["total"] for r in first]
    cached_ms = [r["total"] * 1000 for r in cached]
    first_ms = [v * 1000 for v in first_s]
    ratios = [f / c for f, c in zip(first_ms, cached_ms, strict=True)]
    key_to_screen = "key to the first frame written"
    return [
        Figure(
            "source",
            "Source view: baseline, key to an empty Screen on screen",
            base,
            "ms",
            samples=baseline,
            note=f"median of {n} (min {min(baseline):.1f} ms), {key_to_screen}; "
            "the yardstick of the two ratios below",
        ),
        Figure(
            "source",
            "Source view: w to the cited page on screen, document cached",
            median(opened),
            "ms",
            target=150.0,
            samples=opened,
            note=f"invoice_cited, Results on .total, 120x40: 'w' to the first frame with the "
            f"page ({cells} cells) and the cited region boxed; median of {n} (min "
            f"{min(opened):.1f} ms; Pilot.press itself returns at {median(returned):.0f} ms, once "
            f"the app is idle); the first open "
            f"in the process (pdfium imported, page rendered at {RENDER_WIDTH} px, then shared "
            f"by later views) {result['first_open'] * 1000:.0f} ms; {collected}"
            + exit_errors([result]),
        ),
        Figure(
            "source",
            "Source view: w to page / empty Screen",
            median(opened) / base,
            "x",
            samples=[o / b for o, b in zip(opened, baseline, strict=True)],
            min_value=min_ratio(opened, baseline),
            note=f"medians measured in the same run; min/min {min(opened) / min(baseline):.2f}x",
        ),
        Figure(
            "source",
            "Source view: j to the next field's page on screen",
            median(moved),
            "ms",
            target=150.0,
            samples=moved,
            note=f"'j' {len(moved)} times in one open view, walking its {result['fields']} "
            f"cited fields from .total, to the first frame whose page or crop changed; "
            f"min {min(moved):.1f} ms",
        ),
        Figure(
            "source",
            "Source view: j to next page / empty Screen",
            median(moved) / base,
            "x",
            samples=[m / base for m in moved],
            min_value=min_ratio(moved, baseline),
            note=f"min/min {min(moved) / min(baseline):.2f}x",
        ),
        Figure(
            "source",
            f"first download + render, {pages}-page PDF (sim, loopback)",
            median(first_s),
            "s",
            target=1.0,
            samples=first_s,
            note=f"fetch_document into an empty DocumentCache (parse job + presigned download "
            f"of {kb:.0f} KB, our client), render_pdf_page(page 1, {RENDER_WIDTH} px), cell_page "
            f"{cells}; median of {len(first)} (min {min(first_ms):.0f} ms): fetch "
            f"{part(first, 'fetch'):.0f} ms, render {part(first, 'render'):.0f} ms, cells "
            f"{part(first, 'cells'):.1f} ms; the simulator's first build of the file, not "
            f"counted, {result['warm_download']['total'] * 1000:.0f} ms",
        ),
        Figure(
            "source",
            f"same, {pages}-page PDF already in the disk cache",
            median(cached_ms),
            "ms",
            samples=cached_ms,
            note=f"the same fetch + render from the filled cache, no request; median of "
            f"{len(cached)} (min {min(cached_ms):.1f} ms): fetch {part(cached, 'fetch'):.1f} ms, "
            f"render {part(cached, 'render'):.1f} ms",
        ),
        Figure(
            "source",
            "first download / cached",
            median(first_ms) / median(cached_ms),
            "x",
            samples=ratios,
            min_value=min_ratio(first_ms, cached_ms),
            note="medians of the same run; what the disk cache saves on a second open",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)
