"""Issue 11, round 2: hostile job data that used to crash the app or a command.

Items 1 (timestamps with no UTC form), 6 (nesting past the parsers' depth), 21 (a future
``created_at``; a crash that exited 0). Each through the real CLI (in-process) or the real
app (pilot), asserting what the user sees: the app alive, one clear line, the right exit code.
Terminal-level crashes and signals are in ``test_round2_terminal.py``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from explorer.core.files import load_paths
from explorer.tui.widgets.panes import OverviewPane
from tests.reliability.apps import watched
from tests.reliability.round2 import KEY, deep_json, isolate, job, run_cli, write
from tests.tui.helpers import file_app, static_text, tree_lines, wait_until

TOO_DEEP = "nested too deeply (over 1,000 levels)"


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


# -- 1: a timestamp with no UTC form -----------------------------------------------------------

EDGE_TIMES = {"created_at": "0001-01-01T00:00:00+01:00", "updated_at": "9999-12-31T23:59:59-01:00"}


def test_get_shows_out_of_range_timestamps_as_written(capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "edge.json", job(**EDGE_TIMES))
    result = run_cli(capsys, "get", path)
    assert result.code == 0, result.err
    assert "0001-01-01 00:00:00 +01:00" in result.out
    assert "9999-12-31 23:59:59 -01:00" in result.out
    assert "internal error" not in result.err


async def test_the_app_shows_out_of_range_timestamps_and_stays_up(tmp_path: Path) -> None:
    running = job("ext-edge-running", status="RUNNING", **EDGE_TIMES)
    path = tmp_path / "edge.json"
    write(path, [job("ext-edge", **EDGE_TIMES), running])
    app = watched(file_app(load_paths([str(path)]), job_id="ext-edge"))
    async with app.run_test(size=(120, 40)) as pilot:
        overview = app.query_one(OverviewPane)
        await wait_until(pilot, lambda: "0001-01-01 00:00:00 +01:00" in static_text(overview))
        assert "9999-12-31 23:59:59 -01:00" in static_text(overview)
        app.main.focus_job("ext-edge-running")
        await wait_until(pilot, lambda: "ext-edge-running" in static_text(overview))
        await pilot.pause(0.3)
        assert app.is_running
    assert app.return_code in (None, 0)
    assert app.worker_errors == []


# -- 21: a job created in the future; durations never negative nor absurd ---------------------


def future_job(tmp_path: Path) -> str:
    future = job("ext-future", status="RUNNING", created_at="2999-01-01T00:00:00Z")
    future["updated_at"] = None
    return write(tmp_path / "future.json", future)


def test_get_says_a_future_created_at_is_in_the_future(capsys, tmp_path: Path) -> None:
    result = run_cli(capsys, "get", future_job(tmp_path))
    assert result.code == 0
    assert "2999-01-01 00:00:00 UTC (in the future)" in result.out


async def test_a_future_created_at_is_no_negative_duration(tmp_path: Path) -> None:
    path = future_job(tmp_path)
    app = watched(file_app(load_paths([path]), job_id="ext-future"))
    async with app.run_test(size=(120, 40)) as pilot:
        overview = app.query_one(OverviewPane)
        await wait_until(pilot, lambda: "ext-future" in static_text(overview))
        text = static_text(overview)
        assert "RUNNING  for —" in text
        assert " -" not in text.replace(" - ", "")  # no negative number anywhere
        assert "ms" not in text
        assert any("future" in line for line in tree_lines(app))  # the tree's age column
    assert app.worker_errors == []


# -- 6: nesting deeper than the parsers go -----------------------------------------------------


@pytest.mark.parametrize("command", ["get", "check", "fields", "export"])
def test_every_command_says_a_deep_job_is_nested_too_deeply(
    capsys, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(deep_json(3000))
    args = [command, str(path)] + (
        ["-o", str(tmp_path / "out.json")] if command == "export" else []
    )
    result = run_cli(capsys, *args)
    assert result.code == 2
    assert TOO_DEEP in result.err
    assert "internal error" not in result.err and "RecursionError" not in result.err


def test_one_deep_file_does_not_sink_its_directory(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "jobs"
    folder.mkdir()
    (folder / "a-deep.json").write_text(deep_json(5000, "ext-deep"))
    write(folder / "b-good.json", job("ext-good"))
    lines = json.dumps(job("ext-line")) + "\n" + deep_json(2000, "ext-deep-line") + "\n"
    (folder / "c-lines.jsonl").write_text(lines)
    loaded = load_paths([str(folder)])
    assert sorted(j.id for j in loaded.jobs) == ["ext-good", "ext-line"]
    reasons = {Path(p.path).name: p.reason for p in loaded.problems}
    assert TOO_DEEP in reasons["a-deep.json"]
    assert TOO_DEEP in reasons["c-lines.jsonl:2"]

    result = run_cli(capsys, "get", str(folder), "--job", "ext-good")
    assert result.code == 0 and "ext-good" in result.out


async def test_open_lists_a_deep_file_and_shows_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "jobs"
    folder.mkdir()
    (folder / "deep.json").write_text(deep_json(100_000))
    write(folder / "good.json", job("ext-good"))
    app = watched(file_app(load_paths([str(folder)])))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any("COMPLETED" in line for line in tree_lines(app)))
        lines = tree_lines(app)
        assert any("1 unreadable" in line for line in lines)
        assert any("deep.json" in line and "nested too deeply" in line for line in lines)
        assert app.is_running
    assert app.worker_errors == []


class _DeepServer(BaseHTTPRequestHandler):
    """A loopback server whose every answer is a job nested 50,000 levels deep."""

    body = deep_json(50_000, "ext-deep").encode()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_deep_answer_from_a_server_is_a_clear_error(
    capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DeepServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
        monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", f"http://127.0.0.1:{server.server_port}")
        import explorer.commands.jobref as jobref
        from explorer.api.retry import RetryPolicy

        monkeypatch.setattr(jobref, "RETRY_POLICY", RetryPolicy(max_retries=0))
        result = run_cli(capsys, "get", "ext-deep", "--project", "prj-1")
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 2
    assert "internal error" not in result.err and "RecursionError" not in result.err
    assert "deep" in result.err  # "nested too deeply" / "nested deeper than ..."


# -- 21: a crash exits non-zero ----------------------------------------------------------------


def test_a_crash_in_a_command_exits_non_zero_with_one_line(
    capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError(f"boom with {KEY}")

    monkeypatch.setattr("explorer.commands.jobs.format_timestamp", boom)
    result = run_cli(capsys, "get", write(tmp_path / "job.json", job()))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "internal error (RuntimeError)" in result.err


def test_a_crash_outside_any_command_exits_non_zero_with_one_line(
    capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError(f"boom with {KEY}")

    monkeypatch.setattr("explorer.tui.run.run_app", boom)
    result = run_cli(capsys, "open", write(tmp_path / "job.json", job()))
    assert result.code == 1
    assert result.err == "extract-explorer: crashed (RuntimeError: boom with <redacted>)\n"
