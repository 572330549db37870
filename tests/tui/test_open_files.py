"""``extract-explorer open``: every file form, broken files listed, the seed example shown."""

from __future__ import annotations

import io
import json
from pathlib import Path

from explorer.core.files import load_paths
from explorer.tui.widgets.panes import ConfigurationPane, OverviewPane
from explorer.tui.widgets.result_view import ResultView
from tests.conftest import FIXTURES
from tests.tui.helpers import file_app, static_text, tree_lines, wait_until


def job(n: int, status: str = "COMPLETED", **extra) -> dict:
    return {
        "id": f"ext-{n:08d}-0000-0000-0000-000000000000",
        "created_at": f"2026-11-{n:02d}T10:00:00Z",
        "updated_at": f"2026-11-{n:02d}T10:01:00Z",
        "project_id": "prj-files",
        "status": status,
        "file_input": f"dfl-{n}",
        "extract_result": {"n": n},
        **extra,
    }


def test_every_file_form_is_read(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(job(1)))
    (tmp_path / "page.json").write_text(json.dumps({"items": [job(2), job(3)], "total_size": 2}))
    (tmp_path / "array.json").write_text(json.dumps([job(4), job(5)]))
    (tmp_path / "lines.jsonl").write_text(json.dumps(job(6)) + "\n" + json.dumps(job(7)) + "\n")
    sub = tmp_path / "dir"
    sub.mkdir()
    (sub / "nested.json").write_text(json.dumps(job(8)))
    stdin = io.BytesIO(json.dumps(job(9)).encode())
    loaded = load_paths(
        [str(tmp_path / n) for n in ("one.json", "page.json", "array.json", "lines.jsonl")]
        + [str(sub), "-"],
        stdin=stdin,
    )
    assert sorted(int(j.id[4:12]) for j in loaded.jobs) == list(range(1, 10))
    assert loaded.problems == []


def test_broken_files_get_a_reason(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"id": "ext-1", "status": ')
    (tmp_path / "notajob.json").write_text('{"hello": "world"}')
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    loaded = load_paths(
        [str(tmp_path / n) for n in ("broken.json", "notajob.json", "empty.json", "binary.json")]
        + [str(tmp_path / "missing.json")]
    )
    reasons = {Path(p.path).name: p.reason for p in loaded.problems}
    assert reasons["broken.json"].startswith("not valid JSON")
    assert 'no "id"' in reasons["notajob.json"]
    assert reasons["empty.json"] == "empty file"
    assert "not valid JSON" in reasons["binary.json"]
    assert reasons["missing.json"] == "no such file"
    assert loaded.jobs == []


async def test_open_lists_jobs_and_problems(tmp_path: Path) -> None:
    (tmp_path / "page.json").write_text(json.dumps({"items": [job(2), job(3, "FAILED")]}))
    (tmp_path / "broken.json").write_text("{nope")
    app = file_app(load_paths([str(tmp_path / "page.json"), str(tmp_path / "broken.json")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.store.jobs) == 2)
        lines = tree_lines(app)
        assert any("1 unreadable" in line for line in lines)
        assert any("broken.json" in line and "not valid JSON" in line for line in lines)
        assert any("FAILED (1)" in line for line in lines)
        assert "offline" in static_text(app.query_one("#demo-banner")).lower()


async def test_seed_example_job_shows_in_every_pane() -> None:
    seed = json.loads((FIXTURES / "seed-example-job.json").read_text())
    app = file_app(load_paths([str(FIXTURES / "seed-example-job.json")]), job_id=seed["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                app.main.panes.job_id == seed["id"]
                and seed["id"] in static_text(app.query_one(OverviewPane))
            ),
        )
        overview = static_text(app.query_one(OverviewPane))
        for expected in (
            "COMPLETED",
            seed["document_input_value"],
            "cost_effective",
            "per_doc",
            "parse_job_id",
            "error_message",
            "tokens 0 in / 0 out",
        ):
            assert expected in overview, expected
        await pilot.press("2")  # the Configuration tab: filled when it is shown
        config = app.query_one(ConfigurationPane)
        settings = static_text(config.query_one("#config-settings"))
        assert "latest" in settings and "1,3,5-7" in settings and "fast" in settings
        prompt = static_text(config.query_one("#config-prompt"))
        assert seed["configuration"]["system_prompt"] in prompt
        view = app.query_one(ResultView)
        app.main.action_show_tab("results")
        await pilot.pause()
        rendered = [view.render_line(y).text for y in range(3)]
        assert any("foo" in line for line in rendered)
