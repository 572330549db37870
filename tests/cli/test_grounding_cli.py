"""``check --grounding`` and ``page``, through the CLI entry, against the simulator over loopback.

The simulator's notable jobs: ``invoice_cited`` has correct citations; the ``grounding_*`` ones
each carry one kind of broken citation. Documents come from the simulator's parse jobs and files
(fetched by the commands), or are downloaded here and given with ``--document``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops

from explorer.core.page_image import render_pdf_page
from explorer.sim import SimServer
from tests.cli.conftest import API_KEY, HOSTILE_CHARS, make_job, sim_get

ROOT = Path(__file__).resolve().parents[2]
#: draw_boxes' colours: the chosen citation's boxes, and the field's other boxes.
CURRENT = (20, 90, 230)
OTHER = (220, 30, 30)
#: What `page` renders a PDF page at (pixels per point).
SCALE = 2.0


@pytest.fixture(autouse=True)
def private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Documents are cached under tmp_path, never in the real ~/.cache."""
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def pdf_of(sim_server: SimServer) -> Callable[[dict[str, Any]], bytes]:
    """The PDF of a job, downloaded from the simulator's files API (a presigned URL)."""

    def get(job: dict[str, Any]) -> bytes:
        path = f"/api/v1/beta/files/{job['file_input']}/content"
        url = sim_get(sim_server, path, {"project_id": job["project_id"]}).json()["url"]
        data = httpx.get(url, timeout=10).content
        assert data.startswith(b"%PDF")
        return data

    return get


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _citation(job: dict[str, Any], field: str, n: int = 0) -> dict[str, Any]:
    return job["extract_metadata"]["field_metadata"]["document_metadata"][field]["citation"][n]


def _mismatch_job(**kw: Any) -> dict[str, Any]:
    """A job whose total's matching text is "$1,243.50" while the value is 1234.5."""
    meta = {
        "document_metadata": {
            "number": {"confidence": 0.9, "citation": [{"page": 1, "matching_text": "INV-1"}]},
            "total": {"confidence": 0.8, "citation": [{"page": 1, "matching_text": "$1,243.50"}]},
        }
    }
    return make_job(
        result=kw.pop("result", {"number": "INV-1", "total": 1234.5}), metadata=meta, **kw
    )


# -- check --grounding ------------------------------------------------------------------------


def test_correct_citations_exit_0(run, notable) -> None:
    r = run("check", notable["invoice_cited"], "--grounding")
    assert r.code == 0, r.err
    assert r.out == ""
    assert "no schema or grounding problems" in r.err
    assert "checked against parse job pjb-" in r.err and "file dfl-" in r.err
    assert run("check", notable["invoice_cited"], "--grounding", "--json").json() == []


def test_the_fetched_document_is_cached_under_xdg_cache_home(run, notable, private_cache) -> None:
    assert run("check", notable["invoice_cited"], "--grounding").code == 0
    cached = sorted(p.name for p in private_cache.rglob("*") if p.is_file())
    assert any(n.startswith("dfl-") and n.endswith(".pdf") for n in cached), cached
    assert any(n.startswith("pjb-") for n in cached), cached


def test_value_mismatch_in_a_job_file(run, write_json) -> None:
    r = run("check", write_json(_mismatch_job()), "--grounding")
    assert r.code == 1
    assert r.out.splitlines() == [
        '.total: [value_mismatch] the value 1234.5 is not in the matching text "$1,243.50"'
    ]
    assert "no document: only the metadata was checked (give --document PATH)" in r.err
    assert "0 schema problems, 1 grounding problem in ext-" in r.err


def test_json_has_schema_and_grounding_items(run, write_json) -> None:
    path = write_json(_mismatch_job(result={"number": "INV-1", "total": 1234.5, "notes": 7}))
    text = run("check", path, "--grounding")
    assert text.code == 1
    lines = text.out.splitlines()
    assert lines[0].startswith(".notes: expected string")  # schema problems first, as today
    assert lines[1].startswith(".total: [value_mismatch] ")
    assert "1 schema problem, 1 grounding problem" in text.err
    r = run("check", path, "--grounding", "--json")
    assert r.code == 1
    items = r.json()
    assert [(i["check"], i["path"], i["kind"]) for i in items] == [
        ("schema", ".notes", "type"),
        ("grounding", ".total", "value_mismatch"),
    ]
    assert set(items[0]) == {"path", "kind", "problem", "check"}
    assert set(items[1]) == {"path", "kind", "problem", "citation", "check"}
    assert items[1]["citation"] == 1  # numbered as `page --citation` takes it


def test_without_grounding_check_is_unchanged(run, write_json) -> None:
    path = write_json(_mismatch_job())
    r = run("check", path)
    assert r.code == 0 and r.out == "" and "no schema problems" in r.err
    assert run("check", path, "--json").json() == []


def test_document_needs_grounding(run, write_json, tmp_path) -> None:
    r = run("check", write_json(_mismatch_job()), "--document", str(tmp_path / "x.pdf"))
    assert r.code == 2 and "--document is for --grounding" in r.err


GROUNDING_ROLES = {
    "grounding_wrong_page": "wrong_page",
    "grounding_big_box": "big_box",
    "grounding_value_mismatch": "value_mismatch",
    "grounding_no_confidence": "confidence_missing",
    "grounding_no_citations": "citations_missing",
    "grounding_bad_page": "page_missing",
    "grounding_off_page": "box_off_page",
}


@pytest.mark.parametrize(("role", "kind"), GROUNDING_ROLES.items(), ids=list(GROUNDING_ROLES))
def test_sim_jobs_with_broken_citations_report_their_kind(run, notable, role, kind) -> None:
    if role not in notable:
        pytest.skip(f"the simulator has no {role} job")
    r = run("check", notable[role], "--grounding")
    assert r.code == 1, r.err
    assert any(f": [{kind}] " in line for line in r.out.splitlines()), r.out
    assert all(line.startswith(".") and ": " in line for line in r.out.splitlines())
    items = run("check", notable[role], "--grounding", "--json").json()
    assert kind in {i["kind"] for i in items if i["check"] == "grounding"}


def test_schema_not_checkable_still_reports_grounding_and_exits_2(run, write_json) -> None:
    r = run("check", write_json(_mismatch_job(schema=None)), "--grounding")
    assert r.code == 2
    assert r.out.startswith(".total: [value_mismatch] ")
    last = r.err.splitlines()[-1]
    assert "cannot check the schema of ext-" in last and "no data_schema" in last
    assert "1 grounding problem found" in last
    j = run("check", write_json(_mismatch_job(schema=None)), "--grounding", "--json")
    assert j.code == 2 and [i["kind"] for i in j.json()] == ["value_mismatch"]


def test_no_result_cannot_be_checked(run, notable) -> None:
    r = run("check", notable["failed"], "--grounding")
    assert r.code == 2 and r.out == ""
    assert "no result to check (status FAILED)" in r.err


def test_unreadable_document_exits_2(run, write_json, tmp_path) -> None:
    bad = _write(tmp_path, "bad.pdf", b"not a pdf at all")
    r = run("check", write_json(_mismatch_job()), "--grounding", "--document", bad)
    assert r.code == 2 and r.out == ""
    assert "cannot use --document" in r.err and "not a PDF" in r.err
    missing = run("check", write_json(_mismatch_job()), "--grounding", "--document", bad + "x")
    assert missing.code == 2 and "cannot use --document" in missing.err


def test_offline_job_file_with_its_pdf(run, sim_job, pdf_of, write_json, tmp_path) -> None:
    job = sim_job("invoice_cited")
    path = write_json(job, "invoice.json")
    pdf = _write(tmp_path, "invoice.pdf", pdf_of(job))
    r = run("check", path, "--grounding", "--document", pdf)
    assert r.code == 0, r.out + r.err
    assert "checked against local file invoice.pdf" in r.err
    assert "no schema or grounding problems" in r.err


def test_offline_job_file_with_the_wrong_pdf(run, sim_job, pdf_of, write_json, tmp_path) -> None:
    path = write_json(sim_job("invoice_cited"), "invoice.json")
    other = pdf_of(sim_job("grounding_wrong_page"))  # another invoice's document
    wrong = _write(tmp_path, "other.pdf", other)
    r = run("check", path, "--grounding", "--document", wrong, "--json")
    assert r.code == 1
    kinds = {i["kind"] for i in r.json()}
    assert kinds & {"text_not_found", "wrong_page"}, kinds


def test_document_overrides_the_fetch_for_a_job_id(run, notable, sim_job, pdf_of, tmp_path) -> None:
    wrong = _write(tmp_path, "other.pdf", pdf_of(sim_job("grounding_wrong_page")))
    r = run("check", notable["invoice_cited"], "--grounding", "--document", wrong)
    assert r.code == 1
    assert "checked against local file other.pdf" in r.err
    assert "[text_not_found]" in r.out or "[wrong_page]" in r.out


def test_hostile_job_prints_no_raw_controls(run, notable) -> None:
    for extra in ((), ("--json",)):
        r = run("check", notable["nasty"], "--grounding", *extra)
        assert r.code in (0, 1)
        assert not any(ch in r.out + r.err for ch in HOSTILE_CHARS)


# -- page -------------------------------------------------------------------------------------


def _pixels(box: dict[str, float], scale: float) -> tuple[int, int, int, int]:
    return (
        round(box["x"] * scale),
        round(box["y"] * scale),
        round((box["x"] + box["w"]) * scale) - 1,
        round((box["y"] + box["h"]) * scale) - 1,
    )


def _near(pixel: tuple[int, ...], color: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel, color, strict=False))


def _colored_bbox(image: Image.Image, color: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """The bounding box of the pixels of (about) ``color``."""
    mask = Image.eval(
        ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, color)).convert(
            "L"
        ),
        lambda v: 255 if v < 30 else 0,
    )
    bbox = mask.getbbox()
    assert bbox is not None, f"no {color} pixels"
    return bbox


def test_page_draws_the_cited_box(run, notable, sim_job, pdf_of, tmp_path) -> None:
    job = sim_job("invoice_cited")
    cit = _citation(job, "total")
    out = tmp_path / "total.png"
    r = run("page", notable["invoice_cited"], "--field", ".total", "-o", str(out))
    assert r.code == 0, r.err
    assert r.out == ""
    assert f"wrote {out}: page {cit['page']} of invoice-2041.pdf" in r.err and "1 box" in r.err
    drawn = Image.open(out).convert("RGB")
    plain = render_pdf_page(pdf_of(job), cit["page"], scale=SCALE)
    assert drawn.size == plain.size
    scale = drawn.width / cit["page_dimensions"]["width"]
    x0, y0, x1, y1 = _pixels(cit["bounding_boxes"][0], scale)
    ymid, xmid = (y0 + y1) // 2, (x0 + x1) // 2
    # the outline, on all four sides, in the chosen citation's colour
    for xy in ((x0 + 1, ymid), (x1 - 1, ymid), (xmid, y0 + 1), (xmid, y1 - 1)):
        assert drawn.getpixel(xy) != plain.getpixel(xy)
        assert _near(drawn.getpixel(xy), CURRENT), (xy, drawn.getpixel(xy))
    # inside: only a light tint, the text stays readable
    inside = drawn.getpixel((xmid, ymid))
    assert not _near(inside, CURRENT)
    # nothing changed outside the box (a pixel or two of the outline's rounding aside)
    changed = ImageChops.difference(drawn, plain).getbbox()
    assert changed is not None
    assert changed[0] >= x0 - 2 and changed[1] >= y0 - 2
    assert changed[2] <= x1 + 3 and changed[3] <= y1 + 3
    for xy in ((x0 - 12, ymid), (x1 + 12, ymid), (xmid, y0 - 12), (xmid, y1 + 12)):
        assert drawn.getpixel(xy) == plain.getpixel(xy)


def test_crop_zooms_on_the_citation(run, notable, tmp_path) -> None:
    full, crop = tmp_path / "full.png", tmp_path / "crop.png"
    assert run("page", notable["invoice_cited"], "--field", ".total", "-o", str(full)).code == 0
    r = run("page", notable["invoice_cited"], "--field", ".total", "--crop", "-o", str(crop))
    assert r.code == 0, r.err
    assert "around citation 1 of .total" in r.err
    page, region = Image.open(full).convert("RGB"), Image.open(crop).convert("RGB")
    assert region.size != page.size
    # the box is bigger in the crop, and takes a bigger share of the picture
    b_page, b_region = _colored_bbox(page, CURRENT), _colored_bbox(region, CURRENT)
    w_page, w_region = b_page[2] - b_page[0], b_region[2] - b_region[0]
    assert w_region > w_page
    assert w_region / region.width > 3 * w_page / page.width


def test_other_citations_on_the_page_are_drawn_too(
    run, sim_job, pdf_of, write_json, tmp_path
) -> None:
    job = sim_job("invoice_cited")
    total, subtotal = _citation(job, "total"), _citation(job, "subtotal")
    assert total["page"] == subtotal["page"]
    meta = job["extract_metadata"]["field_metadata"]["document_metadata"]
    meta["total"]["citation"] = [total, subtotal]
    path = write_json(job, "two.json")
    pdf = _write(tmp_path, "invoice.pdf", pdf_of(job))
    out = tmp_path / "two.png"
    r = run("page", path, "--field", "total", "--citation", "2", "--document", pdf, "-o", str(out))
    assert r.code == 0, r.err
    assert "page 2 of invoice.pdf" in r.err and "2 boxes" in r.err
    drawn = Image.open(out).convert("RGB")
    scale = drawn.width / 612
    for cit, color in ((subtotal, CURRENT), (total, OTHER)):
        x0, y0, _, y1 = _pixels(cit["bounding_boxes"][0], scale)
        assert _near(drawn.getpixel((x0 + 1, (y0 + y1) // 2)), color), cit["matching_text"]


def _parse_job_json(server: SimServer, job: dict[str, Any]) -> bytes:
    """The job's parse job as ``GET /api/v2/parse/{id}`` serves it (pages, items, screenshots)."""
    params = [("expand", e) for e in ("text", "items", "images_content_metadata")]
    params.append(("project_id", job["project_id"]))
    path = f"/api/v2/parse/{job['extract_metadata']['parse_job_id']}"
    return sim_get(server, path, params).content


def test_page_from_the_parse_jobs_screenshot(run, notable, sim_job, sim_server, tmp_path) -> None:
    job = sim_job("invoice_cited")
    parse_file = _write(tmp_path, "parse.json", _parse_job_json(sim_server, job))
    out = tmp_path / "shot.png"
    r = run(
        "page", notable["invoice_cited"], "--field", ".total", "--document", parse_file,
        "-o", str(out),
    )  # fmt: skip
    if r.code == 2 and "no screenshot" in r.err:
        pytest.skip("the simulator's parse job has no page screenshots")
    assert r.code == 0, r.err
    image = Image.open(out).convert("RGB")
    _colored_bbox(image, CURRENT)  # the box is drawn on the screenshot


def test_job_file_with_a_parse_job_json_has_no_picture_offline(
    run, sim_job, sim_server, write_json, tmp_path
) -> None:
    job = sim_job("invoice_cited")
    path = write_json(job, "invoice.json")
    parse_file = _write(tmp_path, "parse.json", _parse_job_json(sim_server, job))
    r = run("page", path, "--field", ".total", "--document", parse_file, "-o", str(tmp_path / "x"))
    assert r.code == 2
    assert "no picture of page 2" in r.err and "not fetched for a job read from a file" in r.err
    # the parse job's text is enough for the grounding check, though
    check = run("check", path, "--grounding", "--document", parse_file, "--json")
    assert check.code in (0, 1)
    assert "checked against parse job file parse.json" in check.err
    # every matching text is on its cited page (the parse job's item boxes are whole lines,
    # so box_text is left out here: what a line-sized item holds is judged in core)
    kinds = {i["kind"] for i in check.json()}
    assert not kinds & {"text_not_found", "wrong_page", "value_mismatch", "page_missing"}


def test_png_to_a_pipe(notable, sim_server, tmp_path) -> None:
    env = {
        **os.environ,
        "LLAMA_CLOUD_API_KEY": API_KEY,
        "LLAMA_CLOUD_BASE_URL": sim_server.url,
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "EXTRACT_EXPLORER_CONFIG": str(tmp_path / "no-config.toml"),
    }
    argv = ["page", notable["invoice_cited"], "--field", ".total", "--crop", "-o", "-"]
    done = subprocess.run(
        [sys.executable, "-m", "explorer", *argv],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"wrote stdout" in done.stderr


def test_png_to_a_terminal_is_refused(run, notable, monkeypatch) -> None:
    import explorer.commands.output as output

    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    r = run("page", notable["invoice_cited"], "--field", ".total", "-o", "-")
    assert r.code == 2 and "terminal" in r.err and r.out == ""


def test_unknown_field_lists_similar_ones(run, notable, tmp_path) -> None:
    r = run("page", notable["invoice_cited"], "--field", ".totl", "-o", str(tmp_path / "x.png"))
    assert r.code == 2 and r.out == ""
    assert len(r.err.splitlines()) == 1
    assert "no field .totl in ext-" in r.err and ".total" in r.err
    under = run(
        "page", notable["invoice_cited"], "--field", ".line_items", "-o", str(tmp_path / "x.png")
    )
    assert under.code == 2 and ".line_items[0].amount" in under.err
    assert len(under.err.split("fields with citations like it: ")[1].split(", ")) <= 5
    bad = run("page", notable["invoice_cited"], "--field", ".a[", "-o", str(tmp_path / "x.png"))
    assert bad.code == 2 and "--field" in bad.err
    assert not (tmp_path / "x.png").exists()


def test_citation_out_of_range(run, notable, tmp_path) -> None:
    out = str(tmp_path / "x.png")
    r = run("page", notable["invoice_cited"], "--field", ".total", "--citation", "9", "-o", out)
    assert r.code == 2 and "the field has 1 citation" in r.err
    zero = run("page", notable["invoice_cited"], "--field", ".total", "--citation", "0", "-o", out)
    assert zero.code == 2 and "numbered from 1" in zero.err


def test_output_into_a_missing_directory(run, notable, tmp_path) -> None:
    out = str(tmp_path / "no" / "such" / "x.png")
    r = run("page", notable["invoice_cited"], "--field", ".total", "-o", out)
    assert r.code == 2 and "no directory" in r.err
    into_dir = run("page", notable["invoice_cited"], "--field", ".total", "-o", str(tmp_path))
    assert into_dir.code == 2 and "is a directory" in into_dir.err


def test_field_without_citations(run, write_json, tmp_path) -> None:
    meta = {"document_metadata": {"total": {"confidence": 0.9}}}
    path = write_json(make_job(result={"number": "1", "total": 3}, metadata=meta))
    r = run("page", path, "--field", ".total", "-o", str(tmp_path / "x.png"))
    assert r.code == 2 and ".total has no citations" in r.err


def test_cited_page_not_in_the_document(run, notable, tmp_path) -> None:
    if "grounding_bad_page" not in notable:
        pytest.skip("the simulator has no grounding_bad_page job")
    r = run(
        "page", notable["grounding_bad_page"], "--field", ".invoice_date",
        "-o", str(tmp_path / "x.png"),
    )  # fmt: skip
    assert r.code == 2 and "cites page 7, which is not in the document (2 pages)" in r.err


def test_job_file_without_a_document_has_no_picture(run, sim_job, write_json, tmp_path) -> None:
    path = write_json(sim_job("invoice_cited"), "invoice.json")
    r = run("page", path, "--field", ".total", "-o", str(tmp_path / "x.png"))
    assert r.code == 2
    assert "no picture of page 2" in r.err and "(give --document PATH)" in r.err
    assert len(r.err.splitlines()) == 1


def test_page_with_an_unreadable_document(run, sim_job, write_json, tmp_path) -> None:
    path = write_json(sim_job("invoice_cited"), "invoice.json")
    bad = _write(tmp_path, "bad.pdf", b"%PDF-1.7 truncated")
    r = run("page", path, "--field", ".total", "--document", bad, "-o", str(tmp_path / "x.png"))
    assert r.code == 2 and "cannot use --document" in r.err
