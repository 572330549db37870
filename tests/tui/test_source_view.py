"""The Source view: the cited page, its boxes and its text, for the field under the cursor."""

from __future__ import annotations

import json

from explorer.core.files import load_paths
from explorer.tui.screens.source import SourceScreen
from tests.tui.helpers import file_app, sim_app, static_text, wait_until
from tests.tui.test_debugger import focus_results, open_analysed


def _shown(screen: SourceScreen, part: str) -> str:
    return static_text(screen.query_one(f"#source-{part}"))


async def press_w_on(pilot, app, path: tuple) -> SourceScreen:
    """Select ``path`` in Results and press w: the Source view, as soon as it is up."""
    await focus_results(pilot, app)
    app.main.panes.results.select_path(path)
    await pilot.pause()
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(app.screen, SourceScreen))
    screen = app.screen
    assert isinstance(screen, SourceScreen)
    return screen


async def open_grounded(pilot, app, job_id: str):
    """The job analysed and its citations checked against its document: the analysis."""
    await open_analysed(pilot, app, job_id)
    panes = app.main.panes
    await wait_until(pilot, lambda: panes.analyses[job_id].grounding.with_document)
    return panes.analyses[job_id]


async def open_source(pilot, app, job_id: str, path: tuple) -> SourceScreen:
    """Select ``path`` in Results, press w, and wait for the page to be drawn with its box."""
    await open_analysed(pilot, app, job_id)
    screen = await press_w_on(pilot, app, path)
    await wait_until(pilot, lambda: screen.document is not None)
    await wait_until(pilot, lambda: "┌" in _shown(screen, "crop"))
    return screen


async def test_the_cited_invoice_total_shows_its_page_text_and_box(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_source(pilot, app, job_id, ("total",))
        row = screen.row
        assert row is not None and row.path == ("total",)
        cit = row.citations[0]
        head = _shown(screen, "head")
        assert ".total" in head and f"page {cit.page} of 2" in head
        # the page text, with the matching text highlighted (found whatever the spacing)
        assert screen.highlighted is not None
        assert " ".join(screen.highlighted.split()) == " ".join(cit.matching_text.split())
        assert cit.matching_text.split()[-1] in _shown(screen, "text-body")
        # the page in character cells: shaded text, the box outlined where the citation says
        page = _shown(screen, "page").splitlines()
        box = cit.bounding_boxes[0]
        rows = [i for i, line in enumerate(page) if any(c in line for c in "[]┌└█")]
        assert rows, page
        share = rows[0] / len(page)
        assert abs(share - box["y"] / 792) < 0.25
        assert any(c in "".join(page) for c in "░▒▓·")
        assert "✓ grounded" in _shown(screen, "problems")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SourceScreen))


async def test_u_jumps_to_the_next_ungrounded_field_and_says_why(sim) -> None:
    job_id = sim.state.notable["grounding_wrong_page"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        analysis = await open_grounded(pilot, app, job_id)
        panes = app.main.panes
        assert analysis.ungrounded, "the wrong-page job has an ungrounded field"
        screen = await open_source(pilot, app, job_id, ("currency",))
        await pilot.press("u")
        await wait_until(pilot, lambda: screen.row.path in analysis.ungrounded)
        problems = _shown(screen, "problems")
        assert "✗" in problems and "not on the cited page" in problems
        assert "ungrounded" in static_text(panes.overview) or analysis.grounding_count


async def test_c_cycles_the_citations_of_a_field(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        analysis = app.main.panes.analyses[job_id]
        row = next((r for r in analysis.rows if len(r.citations) > 1), None)
        if row is None:  # give one field a second citation, on another page
            row = next(r for r in analysis.rows if r.citations)
            other = dict(row.citations[0].to_json())
            other["page"] = 1 if other["page"] == 2 else 2
            row.meta["citation"] = [row.citations[0].to_json(), other]
            row._citations = None
        screen = await open_source(pilot, app, job_id, row.path)
        first = screen.current_citation()
        assert "citation 1 of" in _shown(screen, "head")
        await pilot.press("c")
        await wait_until(pilot, lambda: "citation 2 of" in _shown(screen, "head"))
        assert screen.current_citation() is not first
        await pilot.press("C")
        await wait_until(pilot, lambda: "citation 1 of" in _shown(screen, "head"))


def _saved_job(sim, tmp_path, role: str) -> tuple[str, str]:
    """A sim job saved as a file (as a user saves one from the cloud), and its path."""
    job_id = sim.state.notable[role]
    path = tmp_path / f"{role}.json"
    path.write_text(json.dumps(sim.state.get_job(job_id)))
    return job_id, str(path)


async def test_offline_without_a_document_says_how_to_attach_one(sim, tmp_path) -> None:
    job_id, path = _saved_job(sim, tmp_path, "invoice_cited")
    app = file_app(load_paths([path]), job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        screen = await press_w_on(pilot, app, ("total",))
        await wait_until(pilot, lambda: "--document" in _shown(screen, "text-body"))
        assert "not available" in _shown(screen, "text-body")
        # the box is still drawn where the citation says, on a blank page
        await wait_until(pilot, lambda: "blank page" in _shown(screen, "page"))
        assert any(c in _shown(screen, "page") for c in "[┌█")


async def test_a_local_pdf_given_with_document_is_drawn_and_checked(sim, tmp_path) -> None:
    from explorer.core.doc_fetch import load_document_path
    from explorer.core.source import FileJobSource
    from explorer.settings import Settings
    from explorer.tui.app import ExplorerApp

    job_id, path = _saved_job(sim, tmp_path, "grounding_wrong_page")
    file_id = sim.state.get_job(job_id)["file_input"]
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(sim.state.documents.pdf(sim.state.file(file_id)))
    source = FileJobSource(load_paths([path]), load_document_path(pdf))
    app = ExplorerApp(Settings(animation=False), source, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        analysis = await open_grounded(pilot, app, job_id)
        kinds = {p.kind for p in analysis.grounding.problems}
        assert "wrong_page" in kinds
        path_ = next(iter(analysis.ungrounded))
        screen = await open_source(pilot, app, job_id, path_)
        assert "local file invoice.pdf" in _shown(screen, "head")
        assert "▒" in _shown(screen, "page") or "░" in _shown(screen, "page")


async def test_fields_table_filters_to_the_ungrounded_fields(sim) -> None:
    job_id = sim.state.notable["grounding_value_mismatch"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_grounded(pilot, app, job_id)
        panes = app.main.panes
        app.main.action_show_tab("fields")
        table = app.query_one("#fields-table")
        await wait_until(pilot, lambda: table.has_focus)
        fields = panes.fields
        everything = len(fields.shown_rows)
        await pilot.press("U")
        await wait_until(pilot, lambda: len(fields.shown_rows) < everything)
        assert {r.path for r in fields.shown_rows} == {("total",), ("vendor", "name")}
        assert all(r.problems for r in fields.shown_rows)
        assert "ungrounded" in static_text(fields.query_one("#fields-state"))


HOSTILE = "[bold red]PAID[/] \x1b[2J\x1b]0;pwned\x07 [@click=app.quit]x[/]"


async def test_hostile_and_broken_citations_are_shown_inert(tmp_path) -> None:
    def cite(**kw):
        return {"confidence": 0.9, "citation": [kw]}

    job = {
        "id": "ext-hostile",
        "status": "COMPLETED",
        "configuration": {"cite_sources": True, "data_schema": {"type": "object"}},
        "extract_result": {"a": HOSTILE, "b": 5, "c": 6, "d": 7, "e": 8},
        "extract_metadata": {
            "field_metadata": {
                "document_metadata": {
                    "a": cite(page=1, matching_text=HOSTILE, bounding_boxes=[{"x": 1e300}]),
                    "b": cite(page="two", matching_text=None, bounding_boxes="nope"),
                    "c": cite(
                        page=1,
                        matching_text="6",
                        bounding_boxes=[{"x": 1, "y": 1, "w": 5, "h": 5}],
                        page_dimensions={"width": 0, "height": -1},
                    ),
                    "d": cite(
                        page=-3,
                        matching_text="7" * 5000,
                        bounding_boxes=[{"x": -50, "y": 9e5, "w": 1e5, "h": 1}],
                        page_dimensions={"width": 612, "height": 792},
                    ),
                    "e": {"citation": [None, 3, "x", {"page": 1}]},
                }
            }
        },
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(job))
    app = file_app(load_paths([str(path)]), job_id="ext-hostile")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_analysed(pilot, app, "ext-hostile")
        screen = await press_w_on(pilot, app, ("a",))
        # markup is shown as the text it is, not obeyed
        await wait_until(pilot, lambda: "[bold red]PAID[/]" in _shown(screen, "head"))
        for _ in range(6):  # every field, every key, nothing breaks
            await pilot.press("c", "u", "j")
            await pilot.pause(0.1)
            for part in ("head", "problems", "page", "crop", "text-body"):
                shown = _shown(screen, part)
                assert "\x1b" not in shown and "\x07" not in shown
        assert app.is_running
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SourceScreen))


async def test_a_failed_document_fetch_is_said_and_retried_on_the_next_open(sim, tmp_path) -> None:
    from explorer.api.errors import NetworkError
    from explorer.core.doc_fetch import FetchedDocument, load_document_path
    from explorer.core.source import FileJobSource
    from explorer.settings import Settings
    from explorer.tui.app import ExplorerApp

    job_id, path = _saved_job(sim, tmp_path, "invoice_cited")
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(
        sim.state.documents.pdf(sim.state.file(sim.state.get_job(job_id)["file_input"]))
    )

    class Flaky(FileJobSource):
        live = True  # a server: what failed may work the next time
        calls = 0

        async def document(self, job):
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise NetworkError("GET /api/v2/parse/pjb-1: network error (ConnectError)")
            return FetchedDocument(load_document_path(pdf))

    app = ExplorerApp(Settings(animation=False), Flaky(load_paths([path])), job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        app.watcher.paused = True
        await open_analysed(pilot, app, job_id)
        await wait_until(pilot, lambda: job_id in app.documents)
        assert app.documents[job_id].document is None
        screen = await press_w_on(pilot, app, ("total",))
        # asked again on opening: the second answer has the document
        await wait_until(pilot, lambda: screen.document is not None)
        assert Flaky.calls == 2
        await wait_until(pilot, lambda: "✓ grounded" in _shown(screen, "problems"))


def test_a_document_arriving_for_a_screen_not_mounted_is_kept_for_its_first_draw() -> None:
    # The app tells every Source view in the stack when a document arrives; one pushed but not
    # mounted yet (or closing) has no widgets to draw into: it keeps the document, no error.
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.tui.screens.source import SourceScreen

    screen = SourceScreen("ext-1", [], 0, None, None)
    fetched = FetchedDocument(None, ["the server did not send it"])
    screen.document_arrived("ext-1", fetched)
    assert screen.fetched is fetched
