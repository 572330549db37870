"""Starting, stopping and running the simulator."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx

from explorer.sim import SimServer

from .conftest import AUTH, make_config


def test_start_is_fast_and_stop_releases_port_and_thread() -> None:
    threads_before = threading.active_count()
    started = time.perf_counter()
    server = SimServer(make_config()).start()
    elapsed = time.perf_counter() - started
    try:
        assert elapsed < 1.0  # target 0.3 s; slack for a busy CI box
        assert server.url == f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=server.url, headers=AUTH) as c:
            assert c.get("/api/v2/projects").status_code == 200
            for _ in range(3):  # these run in the server's thread pool
                assert c.get("/api/v2/extract", params={"page_size": 2}).status_code == 200
    finally:
        server.stop()
    port = server.port
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # the port is free again
    deadline = time.monotonic() + 10  # returns as soon as the thread is gone
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= threads_before


def test_many_servers_in_a_row() -> None:
    for _ in range(5):
        with SimServer(make_config()) as s, httpx.Client(base_url=s.url, headers=AUTH) as c:
            assert c.get("/api/v2/extract", params={"page_size": 1}).status_code == 200


def test_stop_with_an_idle_keep_alive_connection_is_prompt() -> None:
    s = SimServer(make_config()).start()
    c = httpx.Client(base_url=s.url, headers=AUTH)
    assert c.get("/api/v2/projects").status_code == 200
    started = time.perf_counter()
    s.stop()
    assert time.perf_counter() - started < 2.5
    c.close()


def test_run_forever_prints_its_address_and_exits_quietly_on_ctrl_c() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer.sim", "--port", str(port), "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert (
            line.strip()
            == f"LlamaCloud simulator on http://127.0.0.1:{port} (seed 3, shape current)"
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v2/projects", headers=AUTH)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.status_code == 200
        os.kill(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err
