"""Settings: flags > environment > config file profile > defaults; the keymap remaps keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.settings import ConfigError, resolve_settings

CONFIG = """
refresh = 3.0
read_only = true
base_url = "https://file.example"

[profiles.eu]
base_url = "https://eu.example"
project = "prj-eu"

[keymap]
"app.refresh" = "ctrl+r"
"""


def write(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_precedence(tmp_path: Path) -> None:
    path = write(tmp_path)
    env = {"LLAMA_CLOUD_BASE_URL": "https://env.example", "LLAMA_CLOUD_API_KEY": "k"}
    s = resolve_settings({"config": str(path)}, env)
    assert s.base_url == "https://env.example"  # env beats the file
    assert s.refresh == 3.0 and s.read_only  # the file beats the defaults
    s = resolve_settings({"config": str(path), "base_url": "https://flag.example"}, env)
    assert s.base_url == "https://flag.example"  # flags beat everything
    s = resolve_settings({"config": str(path), "profile": "eu"}, {})
    assert s.base_url == "https://eu.example" and s.project_id == "prj-eu"
    assert s.keymap == {"app.refresh": "ctrl+r"}
    assert s.demo  # no key anywhere


def test_key_never_in_repr(tmp_path: Path) -> None:
    s = resolve_settings({"config": str(write(tmp_path))}, {"LLAMA_CLOUD_API_KEY": "llx-secret"})
    assert s.api_key == "llx-secret" and "llx-secret" not in repr(s)


def test_ssh_turns_animation_off(tmp_path: Path) -> None:
    s = resolve_settings({"config": str(write(tmp_path))}, {"SSH_CONNECTION": "1 2 3 4"})
    assert s.animation is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("refresh = 'fast'", "refresh must be a float"),
        ("bogus = 1", "unknown setting 'bogus'"),
        ("refresh = [", "cannot read config file"),
        ("refresh = -1.0", "refresh must be between 0.2 and"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_settings({"config": str(write(tmp_path, text))}, {})


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no profile 'us'"):
        resolve_settings({"config": str(write(tmp_path)), "profile": "us"}, {})


async def test_keymap_remaps_a_binding(sim, tmp_path: Path) -> None:
    from tests.tui.helpers import sim_app, wait_until

    app = sim_app(sim, keymap={"app.pause": "ctrl+t"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        await pilot.press("p")
        assert not app.watcher.paused  # the old key no longer pauses
        await pilot.press("ctrl+t")
        assert app.watcher.paused


def test_cli_reports_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from explorer.cli import main

    path = write(tmp_path, "bogus = 1")
    assert main(["--config", str(path)]) == 2
    assert "unknown setting 'bogus'" in capsys.readouterr().err


async def test_debug_log_redacts_the_key(tmp_path: Path) -> None:
    import logging

    import httpx

    from explorer.api.client import ExtractClient
    from explorer.api.errors import ServerError
    from explorer.debuglog import start_debug_log

    key = "llx-debug-canary-42"
    log_file = tmp_path / "debug.log"
    handler = start_debug_log(str(log_file), [key])
    try:
        transport = httpx.MockTransport(lambda r: httpx.Response(500, json={"detail": "x"}))
        async with ExtractClient(
            key, "https://api.example.test", transport=transport, sleep=_no_sleep
        ) as client:
            with pytest.raises(ServerError):
                await client.list_jobs()
        logging.getLogger("explorer.api").debug("header Authorization: Bearer %s", key)
    finally:
        for name in ("explorer", "httpx", "httpcore"):
            logging.getLogger(name).removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    assert "retrying GET /api/v2/extract" in text
    assert key not in text and "<redacted>" in text


async def _no_sleep(seconds: float) -> None:
    return None
