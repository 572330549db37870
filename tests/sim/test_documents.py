"""The world's documents: real files whose text sits exactly where the citations say.

The whole-world check goes through HTTP like a client: every COMPLETED job with citations, in
every project; its parse job's text; the PDF behind it (downloaded from a presigned URL, no API
key); the PDF's own text layer read by pdfium inside each citation's boxes.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from PIL import Image

from explorer.sim import SimConfig, SimServer
from explorer.sim.grounding_faults import MISPLACED, is_grounding_fault, planted
from explorer.sim.library import DocumentStore
from explorer.sim.printer import text_in_boxes
from explorer.sim.state import SimState
from explorer.sim.typeface import core_typeface
from explorer.sim.world import HISTORY

from .conftest import ManualClock

KEY = {"Authorization": "Bearer doc-test"}
MARGIN = 1.5  # points around a box when reading the PDF's text layer


def norm(text: str) -> str:
    """Whitespace-normalised text."""
    return " ".join(text.split())


def citations(meta: Any) -> Iterator[dict[str, Any]]:
    """Every citation entry in a field_metadata tree."""
    if isinstance(meta, dict):
        if isinstance(meta.get("citation"), list):
            yield from meta["citation"]
        for key, value in meta.items():
            if key != "citation":
                yield from citations(value)
    elif isinstance(meta, list):
        for value in meta:
            yield from citations(value)


def cited_fields(meta: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple, dict]]:
    """(result path, citation) of every citation below a field_metadata mapping's root."""
    if isinstance(meta, dict):
        cites = meta.get("citation")
        if isinstance(cites, list):
            yield from ((path, cite) for cite in cites)
        for key, value in meta.items():
            if key != "citation" and isinstance(value, dict | list):
                yield from cited_fields(value, (*path, key))
    elif isinstance(meta, list):
        for i, value in enumerate(meta):
            yield from cited_fields(value, (*path, i))


def misplaced(state: SimState) -> set[tuple[str, tuple]]:
    """(job id, result path) of the citations planted wrong on purpose (they say a page or a
    box their text is not in: explorer.sim.grounding_faults)."""
    out = set()
    for rec in state._jobs.values():
        if is_grounding_fault(rec.tweaks):
            result = state.outcome_of(rec).result
            out |= {(rec.id, p) for p, kind in planted(rec.tweaks, result) if kind in MISPLACED}
    return out


def text_in(doc: pdfium.PdfDocument, page: int, boxes: list[dict[str, float]]) -> str:
    """pdfium's text inside the boxes (top-left origin converted to PDF's bottom-left)."""
    p = doc[page - 1]
    height = p.get_height()
    tp = p.get_textpage()
    return " ".join(
        tp.get_text_bounded(
            left=b["x"] - MARGIN,
            bottom=height - (b["y"] + b["h"]) - MARGIN,
            right=b["x"] + b["w"] + MARGIN,
            top=height - b["y"] + MARGIN,
        )
        for b in boxes
    )


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    """The world's clock (tests that move it put it back)."""
    return ManualClock()


@pytest.fixture(scope="module")
def world(clock: ManualClock) -> Iterator[SimServer]:
    """The seed-7 world, moved on a minute so every job that finishes soon has finished."""
    config = SimConfig(seed=7, job_seconds=0.6, big_rows=2_000, api_key="doc-test", clock=clock)
    with SimServer(config) as server:
        clock.advance(60)
        yield server


@pytest.fixture
def api(world: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.url, headers=KEY, timeout=60) as c:
        yield c


@pytest.fixture
def anonymous() -> Iterator[httpx.Client]:
    """A client with no API key, as presigned URLs are fetched."""
    with httpx.Client(timeout=60, trust_env=False) as c:
        yield c


#: Of the Claims pipeline's hundreds of jobs (explorer.sim.history), one cited job in this many
#: is walked: they are made as the others are, and walking them all would take 15 s more.
HISTORY_SAMPLE = 10


def cited_jobs(api: httpx.Client, state: SimState) -> list[dict[str, Any]]:
    """Every COMPLETED job of every project whose metadata cites its sources (a sample of the
    history's)."""
    out = []
    for project in state.projects.values():
        first = len(out)
        token = None
        while True:
            params = {"project_id": project.id, "page_size": "100", "expand": "extract_metadata"}
            page = api.get(
                "/api/v2/extract", params=params | ({"page_token": token} if token else {})
            )
            assert page.status_code == 200, page.text
            body = page.json()
            for job in body["items"]:
                meta = job["extract_metadata"] or {}
                if job["status"] == "COMPLETED" and any(citations(meta.get("field_metadata"))):
                    out.append(job)
            token = body["next_page_token"]
            if not token:
                break
        if project.name == HISTORY:
            out[first:] = out[first::HISTORY_SAMPLE]
    return out


def job_of(api: httpx.Client, rec: Any) -> dict[str, Any]:
    """A world job with its extract_metadata, asked for in its own project."""
    params = {"expand": "extract_metadata", "project_id": rec.project_id}
    r = api.get(f"/api/v2/extract/{rec.id}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def parse_of(api: httpx.Client, job: dict[str, Any], *expand: str) -> dict[str, Any]:
    pjb = job["extract_metadata"]["parse_job_id"]
    params = [("project_id", job["project_id"])] + [("expand", e) for e in expand]
    r = api.get(f"/api/v2/parse/{pjb}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_every_citation_of_the_world_is_printed_where_it_says(
    world: SimServer, api: httpx.Client, anonymous: httpx.Client
) -> None:
    jobs = cited_jobs(api, world.state)
    assert len(jobs) >= 20 and {j["project_id"] for j in jobs} >= {
        p.id for p in world.state.projects.values() if p.name != "Bulk"
    }
    pdfs: dict[str, pdfium.PdfDocument] = {}
    checked = 0
    problems: list[str] = []
    planted_wrong = misplaced(world.state)
    skipped = set()
    for job in jobs:
        parse = parse_of(api, job, "text", "job_metadata", "output_pdf_content_metadata")
        assert parse["job"]["status"] == "COMPLETED"
        texts = {p["page_number"]: norm(p["text"]) for p in parse["text"]["pages"]}
        file_id = parse["job_metadata"]["file_id"]
        if file_id not in pdfs:
            got = anonymous.get(parse["result_content_metadata"]["outputPDF"]["presigned_url"])
            assert got.status_code == 200 and got.content.startswith(b"%PDF-")
            pdfs[file_id] = pdfium.PdfDocument(got.content)
        doc = pdfs[file_id]
        assert len(doc) == len(texts)
        fields = [
            (path, cite)
            for root in job["extract_metadata"]["field_metadata"].values()
            for path, cite in cited_fields(root)
        ]
        for path, cite in fields:
            if (job["id"], path) in planted_wrong:
                skipped.add((job["id"], path))
                continue
            checked += 1
            where = f"{job['id']} p{cite['page']} {cite['matching_text'][:60]!r}"
            wanted = norm(cite["matching_text"])
            assert wanted, where
            if wanted not in texts[cite["page"]]:
                problems.append(f"{where}: not in the parse text")
            if wanted not in norm(text_in(doc, cite["page"], cite["bounding_boxes"])):
                problems.append(f"{where}: not in the PDF inside its boxes")
            dims = cite["page_dimensions"]
            width, height = doc[cite["page"] - 1].get_size()
            assert (dims["width"], dims["height"]) == (pytest.approx(width), pytest.approx(height))
            for b in cite["bounding_boxes"]:
                if not (b["x"] >= 0 and b["x"] + b["w"] <= width and b["y"] >= 0):
                    problems.append(f"{where}: box {b} off the page")
                if not (b["y"] + b["h"] <= height and b["w"] > 0 and b["h"] > 0):
                    problems.append(f"{where}: box {b} off the page")
    assert not problems, "\n".join(problems[:30])
    assert skipped == planted_wrong and len(skipped) == 5  # the misplaced ones, and only those
    assert checked > 500
    assert world.state.blob_requests_with_auth == 0


def test_a_pdf_is_a_pdf_with_its_parse_jobs_page_count(
    world: SimServer, api: httpx.Client, anonymous: httpx.Client
) -> None:
    state = world.state
    rec = state.record(state.notable["invoice_cited"])
    assert rec is not None
    content = api.get(f"/api/v1/beta/files/{rec.document}/content").json()
    got = anonymous.get(content["url"])
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF-1.") and got.content.rstrip().endswith(b"%%EOF")
    doc = pdfium.PdfDocument(got.content)
    job = job_of(api, rec)
    parse = parse_of(api, job, "text", "markdown", "items", "metadata")
    assert len(doc) == len(parse["text"]["pages"]) == rec.pages == 2
    for page in parse["items"]["pages"]:
        assert page["success"] is True
        for item in page["items"]:
            assert item["type"] in {"heading", "text", "list", "table", "footer"}
            for b in item["bbox"]:
                assert 0 <= b["x"] <= b["x"] + b["w"] <= page["page_width"]
                assert 0 <= b["y"] <= b["y"] + b["h"] <= page["page_height"]
    assert parse["markdown"]["pages"][0]["markdown"].startswith("# Invoice")
    assert parse["markdown"]["pages"][-1]["footer"] == "Page 2 of 2"


def test_page_screenshots_decode_at_the_pages_aspect_ratio(
    world: SimServer, api: httpx.Client, anonymous: httpx.Client
) -> None:
    state = world.state
    for role in ("statement_rows", "receipt", "contract"):
        rec = state.record(state.notable[role])
        assert rec is not None
        job = job_of(api, rec)
        parse = parse_of(api, job, "images_content_metadata", "items")
        images = parse["images_content_metadata"]["images"]
        assert [i["index"] for i in images] == list(range(len(parse["items"]["pages"])))
        for image, page in zip(images[:2], parse["items"]["pages"], strict=False):
            assert image["category"] == "screenshot" and image["content_type"] == "image/png"
            got = anonymous.get(image["presigned_url"])
            assert got.status_code == 200 and got.headers["content-type"] == "image/png"
            png = Image.open(io.BytesIO(got.content))
            assert png.format == "PNG"
            ratio = page["page_width"] / page["page_height"]
            assert png.width / png.height == pytest.approx(ratio, rel=0.01)
    assert state.blob_requests_with_auth == 0


def test_an_image_file_is_served_as_that_image(
    world: SimServer, api: httpx.Client, anonymous: httpx.Client
) -> None:
    state = world.state
    rec = state.record(state.notable["receipt"])
    assert rec is not None
    file = state.file_of(rec)
    assert file is not None and file.name.endswith(".jpg")
    content = api.get(
        f"/api/v1/beta/files/{file.id}/content", params={"project_id": rec.project_id}
    ).json()
    got = anonymous.get(content["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    photo = Image.open(io.BytesIO(got.content))
    assert photo.format == "JPEG"
    assert photo.width / photo.height == pytest.approx(300 / 700, rel=0.01)  # a till roll


def test_blobs_are_key_less_signed_and_expire(
    world: SimServer, api: httpx.Client, clock: ManualClock
) -> None:
    state = world.state
    rec = state.record(state.notable["resume"])
    assert rec is not None
    url = api.get(
        f"/api/v1/beta/files/{rec.document}/content", params={"project_id": rec.project_id}
    ).json()["url"]
    before = state.blob_requests_with_auth
    assert httpx.get(url).status_code == 200
    assert httpx.get(url, headers=KEY).status_code == 200  # a key is not needed, nor harmful
    assert state.blob_requests_with_auth == before + 1
    head, _, mac = url.rpartition(".")
    forged = httpx.get(f"{head}.{'0' * len(mac)}")
    assert forged.status_code == 403 and b"SignatureDoesNotMatch" in forged.content
    clock.advance(3600)  # the files route signs for 15 minutes
    try:
        expired = httpx.get(url)
    finally:
        clock.t -= 3600
    assert expired.status_code == 403 and b"Request has expired" in expired.content
    logged = [(path, status) for _, _, path, status in state.request_log if "/blob/" in path]
    assert {200, 403} <= {status for _, status in logged}  # logged like every other route


def test_parse_job_errors_and_statuses(world: SimServer, api: httpx.Client) -> None:
    assert api.get("/api/v2/parse/pjb-00000000-0000-0000-0000-000000000000").json() == {
        "detail": "Parse job pjb-00000000-0000-0000-0000-000000000000 not found"
    }
    state = world.state
    failed = state.record(state.notable["failed"])  # "Parse job ... failed: ... OCR ..."
    assert failed is not None
    job = job_of(api, failed)
    parse = parse_of(api, job, "text")
    assert parse["job"]["status"] == "FAILED" and "OCR" in parse["job"]["error_message"]
    assert "text" not in parse  # nothing parsed
    timeout = state.record(state.notable["failed_timeout"])  # failed on page 37: after parsing
    assert timeout is not None
    job = job_of(api, timeout)
    assert parse_of(api, job)["job"]["status"] == "COMPLETED"
    bad = api.get(f"/api/v2/parse/{job['extract_metadata']['parse_job_id']}?expand=pages")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "expand"]


def test_the_scanned_report_page_has_no_text_layer(world: SimServer, api: httpx.Client) -> None:
    state = world.state
    rec = state.record(state.notable["report_pages"])
    assert rec is not None
    job = job_of(api, rec)
    parse = parse_of(api, job, "text", "items", "markdown")
    assert parse["text"]["pages"][2]["text"] == ""
    assert parse["items"]["pages"][2]["success"] is False
    assert parse["markdown"]["pages"][2]["success"] is False
    assert all(p["success"] for i, p in enumerate(parse["items"]["pages"]) if i != 2)


def test_every_expand_is_what_the_sdk_declares(world: SimServer, api: httpx.Client) -> None:
    pytest.importorskip("llama_cloud")
    from llama_cloud.types import ParsingGetResponse

    from explorer.sim.parse_jobs import EXPANDABLE
    from tests.contract.oracle import problems

    state = world.state
    for role in ("invoice_cited", "statement_rows", "report_pages", "failed", "cancelled"):
        rec = state.record(state.notable[role])
        assert rec is not None
        got = parse_of(api, job_of(api, rec), *EXPANDABLE)
        assert problems(got, ParsingGetResponse) == [], role
        if got["job"]["status"] == "COMPLETED":
            inline = [e for e in EXPANDABLE if e != "usage" and not e.endswith("_metadata")]
            wanted = [*inline, "job_metadata", "images_content_metadata"]
            assert all(got.get(e) is not None for e in wanted), role
            assert got["job"]["usage"]["credits"] > 0
            assert set(got["result_content_metadata"]) >= {"text", "markdown", "outputPDF"}


def test_one_document_is_built_once_however_many_threads_ask() -> None:
    state = SimState(SimConfig(seed=7, big_rows=2_000))
    rec = state.record(state.notable["contract"])
    assert rec is not None
    file = state.file_of(rec)
    assert file is not None
    with ThreadPoolExecutor(8) as pool:
        pdfs = list(pool.map(lambda _: state.documents.pdf(file), range(16)))
        pngs = list(pool.map(lambda n: state.documents.page_image(file, 1 + n % 2), range(8)))
    assert len({id(p) for p in pdfs}) == 1  # one build, shared
    assert len(set(pngs)) == 2 and len(state.documents.papers) == 1


def test_documents_are_the_same_bytes_for_the_same_seed() -> None:
    a, b = (SimState(SimConfig(seed=7, big_rows=2_000)) for _ in range(2))
    for role in ("nasty", "statement_rows", "receipt"):
        fa = a.file_of(a.record(a.notable[role]))  # type: ignore[arg-type]
        fb = b.file_of(b.record(b.notable[role]))  # type: ignore[arg-type]
        assert fa is not None and fb is not None and fa.id == fb.id
        assert a.documents.pdf(fa) == b.documents.pdf(fb)
        assert a.documents.file_bytes(fa) == b.documents.file_bytes(fb)
    other = SimState(SimConfig(seed=8, big_rows=2_000))
    f8 = other.file_of(other.record(other.notable["nasty"]))  # type: ignore[arg-type]
    assert f8 is not None and other.documents.pdf(f8) != a.documents.pdf(fa)


@pytest.mark.parametrize("role", ["nasty", "rtl"])
def test_hostile_strings_print_as_their_printable_form(role: str) -> None:
    state = SimState(SimConfig(seed=7, big_rows=2_000))
    rec = state.record(state.notable[role])
    assert rec is not None
    cites = list(citations(state.outcome_of(rec).field_metadata))
    texts = [c["matching_text"] for c in cites]
    assert all(t and t.isprintable() and "\u200b" not in t and "\u202e" not in t for t in texts)
    assert any(t == "شركة الخليج للتجارة" for t in texts)  # right to left, in reading order
    if role == "nasty":
        assert "[bold red]PAID[/] Northwind [@click=app.quit]x[/]" in texts
        assert "CLEARED 1 Escape Lane" in texts  # the ANSI and OSC sequences are not printed
        assert max(len(c["bounding_boxes"]) for c in cites) > 40  # the 12k clause, wrapped
    file = state.file_of(rec)
    assert file is not None
    pdf = state.documents.pdf(file)
    for cite in cites:
        inside = text_in_boxes(pdf, cite["page"], cite["bounding_boxes"])
        assert norm(cite["matching_text"]) in norm(inside), cite["matching_text"][:80]


def test_without_a_ttf_the_core_font_prints_latin_1_and_citations_still_hold() -> None:
    state = SimState(SimConfig(seed=7, big_rows=2_000))
    state.documents = DocumentStore(state, core_typeface())
    for role in ("nasty", "rtl", "invoice_cited"):
        rec = state.record(state.notable[role])
        assert rec is not None
        cites = list(citations(state.outcome_of(rec).field_metadata))
        assert cites
        for cite in cites:
            cite["matching_text"].encode("latin-1")  # nothing the core font can't draw
        file = state.file_of(rec)
        assert file is not None
        pdf = state.documents.pdf(file)
        for cite in cites:
            inside = text_in_boxes(pdf, cite["page"], cite["bounding_boxes"])
            assert norm(cite["matching_text"]) in norm(inside)
    tf = core_typeface()
    assert tf.printable("Total — €12 “net”") == 'Total - EUR12 "net"'
    assert tf.printable("شركة 2041") == "2041"


def test_page_counts_agree_with_the_jobs() -> None:
    state = SimState(SimConfig(seed=7, big_rows=2_000))
    jobs = list(state._jobs.values())
    files = list(state.index.files.values())
    for rec in jobs:  # every run of one document counts its pages alike
        file = state.file_of(rec)
        assert file is not None and rec.pages == file.source.pages, (rec.id, file.name)
    counted = {f.id: f.source.pages for f in files}
    longer = set()
    for file in files:
        paper = state.documents.paper(file)
        assert paper.page_count >= counted[file.id]
        assert paper.page_count == file.source.pages  # the job reads (and bills) them all
        if paper.page_count > counted[file.id]:
            longer.add(file.name)
    # the invoice with a 12,000-character clause and one long CV need more pages than drawn:
    # each is the only run on its file, and is laid out (cited) before its usage first shows
    assert longer == {"nasty-strings-invoice.pdf", "resume-jane-okafor.pdf"}
    for rec in jobs:
        file = state.file_of(rec)
        assert file is not None and rec.pages == file.source.pages


def test_the_big_job_gets_no_document_until_one_is_asked_for() -> None:
    state = SimState(SimConfig(seed=7, big_rows=2_000))
    big = state.record(state.notable["big"])
    assert big is not None
    state.outcome_of(big)
    assert len(state.documents.papers) == 0  # its result is built without any layout
    file = state.file_of(big)
    assert file is not None
    paper = state.documents.paper(file)
    assert paper.page_count == big.pages == 50  # 40 rows a page
    assert len(paper.rows) == 2_000 and paper.citations((1999, "reference"))


def test_nothing_of_the_documents_runs_at_server_start() -> None:
    code = (
        "import sys\n"
        "from explorer.sim import SimConfig\n"
        "from explorer.sim.state import SimState\n"
        "s = SimState(SimConfig(seed=7, big_rows=2_000))\n"
        "assert len(s.documents.papers) == 0\n"
        "assert s.get_job(s.notable['invoice_cited'])['extract_metadata']\n"  # a cited job
        "assert len(s.documents.papers) == 1\n"
        "heavy = [m for m in ('fpdf', 'pypdfium2', 'PIL') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
