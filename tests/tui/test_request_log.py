"""``L``: the request log on screen, live; ``y`` copies a curl command that really runs."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from textual.widgets import DataTable

from explorer.tui.screens.requests import RequestsScreen
from tests.tui.helpers import sim_app, static_text, wait_until

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def run_curl(command: str) -> subprocess.CompletedProcess[str]:
    """A copied curl command, run by bash with the test key in the environment."""
    return subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LLAMA_CLOUD_API_KEY": "test-key"},
        timeout=60,
    )


def _row_texts(table: DataTable) -> list[str]:
    return [
        " ".join(str(getattr(c, "plain", c)) for c in table.get_row_at(i))
        for i in range(table.row_count)
    ]


async def test_request_log_lists_copies_and_the_copy_runs(sim) -> None:
    import json

    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: job_id in app.store.details)
        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        screen = app.screen
        assert isinstance(screen, RequestsScreen)
        path = f"/api/v2/extract/{job_id}"
        await wait_until(pilot, lambda: any(path in t for t in _row_texts(screen.table)))
        seqs = [r.seq for r in screen.shown]
        assert seqs == sorted(seqs, reverse=True)  # newest first
        rows = _row_texts(screen.table)
        assert rows[0].split()[1] == screen.shown[0].method
        index = next(i for i, r in enumerate(screen.shown) if r.path == path and r.ok)
        words = rows[index].split()
        method, shown_path = words[1], words[-1]  # the path is the last column
        assert method == "GET" and shown_path.startswith(f"{path}?")
        assert "200 OK" in rows[index]
        # it updates while open
        before = app.source.client.requests.total
        await app.source.client.list_jobs(page_size=1)
        await wait_until(pilot, lambda: screen.shown and screen.shown[0].seq > seqs[0])
        assert app.source.client.requests.total > before
        index = next(i for i, r in enumerate(screen.shown) if r.path == path and r.ok)
        screen.table.move_cursor(row=index, animate=False)
        await pilot.pause()
        assert path in static_text(screen.query_one("#requests-detail"))
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(app.clipboard))
        copied = app.clipboard
        assert "$LLAMA_CLOUD_API_KEY" in copied and "test-key" not in copied
        assert "from llama_cloud import LlamaCloud" in copied
        curl = copied.split("# ---")[0]
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
    out = run_curl(curl)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id"] == job_id
