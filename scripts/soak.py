"""Soak run: the whole app, headless, against a misbehaving simulator for minutes.

    python scripts/soak.py [--minutes 3] [--jobs 200] [--sample 10]

A simulator with ``--jobs`` RUNNING jobs (they finish one by one over two hours) and faults on
(latency, 5xx, garbled bodies, dropped connections, a rate limit); the app runs with its real
settings and client, loads every job page, and auto-refreshes. Every ``--sample`` seconds the
script notes requests per minute, what the server answered, what the app showed (status line,
failed refreshes, error toasts) and the process memory. At the end it prints a table and
exits 0 when the app never crashed, no worker died, the request rate stayed bounded and memory
grew less than ``--max-growth`` percent from the first window to the last.

The simulator runs in this process (a thread), so the memory figures include it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.api.client import ExtractClient
from explorer.core.source import ApiJobSource
from explorer.settings import Settings
from explorer.sim import Faults, SimConfig, SimServer
from explorer.tui import app as app_module
from explorer.tui.app import ExplorerApp


@dataclass
class Sample:
    """One look at the app and the server."""

    at: float
    requests: int
    per_minute: float
    answers: Counter
    status: str
    failed_refreshes: int
    error_toasts: int
    jobs: int
    running: int
    rss_mb: float
    peak_mb: float


@dataclass
class Report:
    """Everything the soak saw, and its verdict."""

    samples: list[Sample] = field(default_factory=list)
    worker_errors: list[str] = field(default_factory=list)
    crashed: str | None = None
    growth_pct: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class SoakApp(ExplorerApp):
    """The app, counting what it showed as errors and any worker that died."""

    # A subclass's relative CSS path would be looked up next to this script.
    CSS_PATH = str(Path(app_module.__file__).with_name(ExplorerApp.CSS_PATH))
    failed_refreshes = 0
    error_toasts = 0

    def on_refresh_failed(self, message) -> None:
        # The main screen handled it; it bubbles up here afterwards.
        type(self).failed_refreshes += 1

    def notify(self, message, *, severity="information", **kw) -> None:
        if severity == "error":
            type(self).error_toasts += 1
        super().notify(message, severity=severity, **kw)

    def on_worker_state_changed(self, event) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            self.soak_report.worker_errors.append(repr(event.worker.error))


def memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc/self/status."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in values:
                values[name] = int(rest.split()[0]) / 1024
    except OSError:  # not Linux: fall back to the peak the resource module knows
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak
    return values["VmRSS"], values["VmHWM"]


def status_line(app: ExplorerApp) -> str:
    widget = app.query_one("#status-right")
    content = widget.content
    return str(getattr(content, "plain", content)).strip()


async def load_every_page(app: ExplorerApp, pilot, timeout: float = 60.0) -> None:
    """Scroll through the default project like a user would, until every job is loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        project = app.default_project
        state = app.store.projects.get(project) if project else None
        if state is not None and state.loaded and state.next_token is None:
            return
        if state is not None and state.loaded and not state.loading:
            app.main.request_page(project)
        await pilot.pause(0.2)


async def soak(
    *,
    seconds: float,
    jobs: int,
    sample_every: float,
    faults: Faults,
    seed: int = 11,
    max_rpm: float = 600.0,
    max_growth: float = 20.0,
    out=sys.stdout,
) -> Report:
    """Run the soak and return its report (printing a line per sample as it goes)."""
    report = Report()
    config = SimConfig(seed=seed, running_jobs=jobs, big_rows=2_000, faults=faults)
    with SimServer(config) as sim:
        client = ExtractClient("soak-key", sim.url)  # the app's real retry policy
        settings = Settings(api_key="soak-key", base_url=sim.url, page_size=100)
        settings.animation = False
        app = SoakApp(settings, ApiJobSource(client), on_close=client.aclose)
        app.soak_report = report
        SoakApp.failed_refreshes = SoakApp.error_toasts = 0
        print(header(), file=out, flush=True)
        try:
            async with app.run_test(size=(120, 40), headless=True) as pilot:
                await load_every_page(app, pilot)
                # The soak's time runs from when every page is in: on a busy machine loading
                # them through the faults can take longer than a short soak lasts.
                start = time.monotonic()
                last_requests, last_at = sim.state.requests, start
                last_failed = last_toasts = 0
                while time.monotonic() - start < seconds:
                    await pilot.pause(min(sample_every, seconds - (time.monotonic() - start)))
                    if not app.is_running:
                        report.crashed = "the app stopped by itself"
                        break
                    now = time.monotonic()
                    wall = time.time()
                    requests = sim.state.requests
                    answers = Counter(
                        _kind(code)
                        for at, *_, code in sim.state.request_log
                        if at >= wall - (now - last_at)
                    )
                    gc.collect()
                    rss, peak = memory_mb()
                    sample = Sample(
                        at=now - start,
                        requests=requests - last_requests,
                        # over at least a second: 2 requests in a 0.2 s window are not
                        # 600 a minute (a short soak's first windows are that short)
                        per_minute=(requests - last_requests) * 60 / max(now - last_at, 1.0),
                        answers=answers,
                        status=status_line(app),
                        failed_refreshes=SoakApp.failed_refreshes - last_failed,
                        error_toasts=SoakApp.error_toasts - last_toasts,
                        jobs=len(app.store.jobs),
                        running=len(app.watcher.active_ids),
                        rss_mb=rss,
                        peak_mb=peak,
                    )
                    report.samples.append(sample)
                    print(row(sample), file=out, flush=True)
                    last_requests, last_at = requests, now
                    last_failed, last_toasts = SoakApp.failed_refreshes, SoakApp.error_toasts
                await pilot.press("q")
        except Exception as exc:  # the verdict says so; a traceback would hide the table
            report.crashed = f"{type(exc).__name__}: {exc}"
    judge(report, seconds=seconds, jobs=jobs, max_rpm=max_rpm, max_growth=max_growth)
    return report


def _kind(code: int) -> str:
    if code == 0:
        return "drop"
    if code == 429:
        return "429"
    if code >= 500:
        return "5xx"
    return "ok"


def window_rss(samples: list[Sample], first: bool, span: float) -> float:
    """Highest RSS within the first (after warm-up) or the last ``span`` seconds."""
    if not samples:
        return 0.0
    if first:
        begin = samples[0].at
        chosen = [s for s in samples if s.at <= begin + span]
    else:
        end = samples[-1].at
        chosen = [s for s in samples if s.at >= end - span]
    return max(s.rss_mb for s in chosen)


def judge(report: Report, *, seconds: float, jobs: int, max_rpm: float, max_growth: float) -> None:
    samples = report.samples
    if report.crashed:
        report.problems.append(f"crash: {report.crashed}")
    if report.worker_errors:
        report.problems.append(f"{len(report.worker_errors)} worker(s) died")
    if not samples:
        report.problems.append("no samples taken")
        return
    if samples[-1].jobs < jobs:
        report.problems.append(f"only {samples[-1].jobs} of {jobs}+ jobs loaded")
    busiest = max(s.per_minute for s in samples)
    if busiest > max_rpm:
        report.problems.append(f"{busiest:.0f} requests/min: more than {max_rpm:.0f}")
    span = min(60.0, max(seconds / 4, 1.0))
    first, last = window_rss(samples, True, span), window_rss(samples, False, span)
    report.growth_pct = (last / first - 1) * 100 if first else 0.0
    if report.growth_pct > max_growth:
        report.problems.append(f"memory grew {report.growth_pct:.1f}% (limit {max_growth}%)")


def header() -> str:
    return (
        f"{'time':>6} {'req/min':>8} {'ok':>5} {'429':>4} {'5xx':>4} {'drop':>4} "
        f"{'failed':>6} {'toasts':>6} {'jobs':>5} {'run':>4} {'rss MB':>7} {'peak MB':>7}  status"
    )


def row(s: Sample) -> str:
    a = s.answers
    return (
        f"{s.at:>5.0f}s {s.per_minute:>8.0f} {a['ok']:>5} {a['429']:>4} {a['5xx']:>4} "
        f"{a['drop']:>4} {s.failed_refreshes:>6} {s.error_toasts:>6} {s.jobs:>5} {s.running:>4} "
        f"{s.rss_mb:>7.1f} {s.peak_mb:>7.1f}  {s.status[:48]}"
    )


def summary(report: Report) -> str:
    samples = report.samples
    lines = []
    if samples:
        total = sum(s.requests for s in samples)
        minutes = max(samples[-1].at / 60, 1e-6)
        answers = sum((s.answers for s in samples), Counter())
        lines += [
            f"requests: {total} ({total / minutes:.0f}/min on average, "
            f"{max(s.per_minute for s in samples):.0f}/min at most); answers: "
            + ", ".join(f"{k} {answers[k]}" for k in ("ok", "429", "5xx", "drop")),
            f"errors shown: {sum(s.failed_refreshes for s in samples)} failed refreshes on the "
            f"status line, {sum(s.error_toasts for s in samples)} error toasts; "
            f"worker errors: {len(report.worker_errors)}",
            f"memory: peak {max(s.peak_mb for s in samples):.1f} MB; RSS first window "
            f"{window_rss(samples, True, 60):.1f} MB, last window "
            f"{window_rss(samples, False, 60):.1f} MB ({report.growth_pct:+.1f}%)",
        ]
    lines.append("verdict: OK" if report.ok else "verdict: FAIL: " + "; ".join(report.problems))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="how long (default 3)")
    parser.add_argument("--jobs", type=int, default=200, help="running jobs (default 200)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--latency-ms", type=int, default=40)
    parser.add_argument("--error-rate", type=float, default=0.05)
    parser.add_argument("--garble-rate", type=float, default=0.02)
    parser.add_argument("--reset-rate", type=float, default=0.01)
    parser.add_argument("--rate-limit", type=float, default=2.0, help="requests per second")
    parser.add_argument("--max-rpm", type=float, default=600.0, help="no retry storm above")
    parser.add_argument("--max-growth", type=float, default=20.0, help="memory growth, %%")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    faults = Faults(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        garble_rate=args.garble_rate,
        reset_rate=args.reset_rate,
        rate_limit=args.rate_limit,
    )
    print(
        f"soak: {args.minutes:g} min, {args.jobs} running jobs, faults: latency "
        f"{args.latency_ms} ms, 5xx {args.error_rate:.0%}, garbled {args.garble_rate:.0%}, "
        f"resets {args.reset_rate:.0%}, rate limit {args.rate_limit:g}/s",
        flush=True,
    )
    report = asyncio.run(
        soak(
            seconds=args.minutes * 60,
            jobs=args.jobs,
            sample_every=args.sample,
            faults=faults,
            seed=args.seed,
            max_rpm=args.max_rpm,
            max_growth=args.max_growth,
        )
    )
    print(summary(report), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
