"""One ``Settings`` object: flags > environment > config file profile > defaults."""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from explorer.api import DEFAULT_BASE_URL
from explorer.api.headers import bad_header_name, bad_header_value, bad_key
from explorer.core import secrets

ENV_API_KEY = "LLAMA_CLOUD_API_KEY"
#: The SDK also accepts this one; so do we.
ENV_API_KEY_ALT = "LLAMA_PARSE_API_KEY"
ENV_BASE_URL = "LLAMA_CLOUD_BASE_URL"
ENV_PROJECT = "LLAMA_CLOUD_PROJECT_ID"
ENV_ORGANIZATION = "LLAMA_CLOUD_ORGANIZATION_ID"
ENV_CUSTOM_HEADERS = "LLAMA_CLOUD_CUSTOM_HEADERS"
ENV_CONFIG = "EXTRACT_EXPLORER_CONFIG"
ENV_PROFILE = "EXTRACT_EXPLORER_PROFILE"
#: Refresh cadences below this would hammer the server (``refresh = 1e-300``); above the
#: maximum the timers overflow.
MIN_REFRESH = 0.2
MAX_REFRESH = 86_400.0


class ConfigError(Exception):
    """The config file could not be read or holds a bad value."""


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$EXTRACT_EXPLORER_CONFIG``, else ``$XDG_CONFIG_HOME/extract-explorer/config.toml``."""
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "extract-explorer" / "config.toml"


@dataclass
class Settings:
    """Everything the app and the commands need to know, resolved once at start-up."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    project_id: str | None = None
    organization_id: str | None = None
    custom_headers: dict[str, str] = field(default_factory=dict, repr=False)
    #: Fastest refresh cadence for running jobs, in seconds (backs off from here).
    refresh: float = 1.0
    #: Cadence of the job-list refresh that discovers new jobs.
    list_refresh: float = 15.0
    page_size: int = 50
    animation: bool = True
    read_only: bool = False
    allow_insecure: bool = False
    debug_log: str | None = None
    #: binding id -> keys, e.g. {"refresh": "ctrl+r"}
    keymap: dict[str, str] = field(default_factory=dict)
    # The embedded simulator, used when there is no API key.
    sim_seed: int = 7
    sim_shape: str = "current"
    sim_job_seconds: float = 5.0
    config_path: Path | None = None
    profile: str | None = None
    #: The local cache of jobs seen (``--no-cache``: neither read nor written).
    cache: bool = True
    #: ``--offline``: the cache alone, nothing sent.
    offline: bool = False
    #: The cache's size cap in MB (least recently used jobs go first).
    cache_max_mb: int = 500

    @property
    def demo(self) -> bool:
        """No key: run against the embedded simulator."""
        return not self.api_key


def parse_custom_headers(text: str) -> dict[str, str]:
    """``LLAMA_CLOUD_CUSTOM_HEADERS``: one ``Name: value`` per line (the SDK's format).

    Credential-like values are registered as secrets; a header that cannot be sent is a
    ``ConfigError`` naming its line, never its value.
    """
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            name, value = name.strip(), value.strip()
            secrets.register_header(name, value)
            if bad_header_name(name) or bad_header_value(value):
                raise ConfigError(
                    f"{ENV_CUSTOM_HEADERS} line {number} contains characters that cannot be "
                    "sent in an HTTP header"
                )
            headers[name] = value
    return headers


def _api_key(
    flags: Mapping[str, Any], env: Mapping[str, str], file_values: Mapping[str, Any], path: Path
) -> str | None:
    """The key from the first place that has one, stripped of surrounding whitespace (a CRLF
    ``.env`` leaves a ``\\r``), registered as a secret and checked for what HTTP can send."""
    for source, value in (
        ("--api-key", flags.get("api_key")),
        (ENV_API_KEY, env.get(ENV_API_KEY)),
        (ENV_API_KEY_ALT, env.get(ENV_API_KEY_ALT)),
        (f"api_key in {path}", file_values.get("api_key")),
    ):
        if not isinstance(value, str) or not value.strip():
            continue
        secrets.register(value)
        key = value.strip()
        if bad_key(key):
            raise ConfigError(f"{source} contains characters that cannot be sent in an HTTP header")
        return key
    return None


def _check_base_url(url: str, source: str) -> str:
    """Refuse a base URL carrying ``user:password@``: the explorer sends only the API key, and
    httpx would send those as ``Authorization: Basic`` instead of it."""
    secrets.register_url_credentials(url)
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        raise ConfigError(f"{source} is not a URL") from None
    if "@" in netloc:
        raise ConfigError(
            f"{source} holds user:password@ credentials: remove them (the explorer "
            "authenticates with the API key only)"
        )
    return url


def _refresh(value: Any, name: str) -> float:
    """A refresh cadence in seconds: a finite number from ``MIN_REFRESH`` to ``MAX_REFRESH``."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds") from None
    if not math.isfinite(seconds) or not MIN_REFRESH <= seconds <= MAX_REFRESH:
        raise ConfigError(
            f"{name} must be between {MIN_REFRESH:g} and {MAX_REFRESH:,.0f} seconds (got {value!r})"
        )
    return seconds


def load_config_file(path: Path, profile: str | None) -> dict[str, Any]:
    """The config file's top-level settings, overlaid with ``[profiles.NAME]`` if asked for."""
    if not path.is_file():
        if profile:
            raise ConfigError(f"profile {profile!r} asked for but {path} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    profiles = data.pop("profiles", {})
    keymap = _keymap_table(data.pop("keymap", {}), path, "[keymap]")
    merged = dict(data)
    if profile:
        if not isinstance(profiles, dict) or profile not in profiles:
            raise ConfigError(f"no profile {profile!r} in {path}")
        chosen = profiles[profile]
        if isinstance(chosen, dict):
            where = f"[profiles.{profile}.keymap]"
            keymap = {**keymap, **_keymap_table(chosen.pop("keymap", {}), path, where)}
            merged.update(chosen)
    if keymap:
        merged["keymap"] = keymap
    return merged


def _keymap_table(value: Any, path: Path, where: str) -> dict[str, Any]:
    """A keymap must be a table (``[keymap]``, or ``keymap = {...}``); its entries are checked
    by the app, which names each bad one and applies the rest."""
    if not isinstance(value, dict):
        raise ConfigError(
            f'{path}: {where} must be a table of binding id = "keys", '
            f'e.g. [keymap] then app.refresh = "ctrl+r" (got {type(value).__name__})'
        )
    return value


_FILE_KEYS = {
    "api_key": str,
    "base_url": str,
    "project": str,
    "organization": str,
    "refresh": float,
    "list_refresh": float,
    "page_size": int,
    "animation": bool,
    "read_only": bool,
    "allow_insecure": bool,
    "cache": bool,
    "cache_max_mb": int,
}


def resolve_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from flags (None means "not given"), the environment and the config file."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    path = Path(flags["config"]) if flags.get("config") else default_config_path(env)
    profile = flags.get("profile") or env.get(ENV_PROFILE) or None
    file_values = load_config_file(path, profile)
    for key, value in file_values.items():
        if key == "keymap":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{path}: [keymap] maps binding ids to key strings")
            continue
        expected = _FILE_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{path}: unknown setting {key!r}")
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {key} must be a {expected.__name__}")

    def pick(flag: str, env_name: str | None, file_key: str, default: Any) -> Any:
        if flag in flags:
            return flags[flag]
        if env_name and env.get(env_name):
            return env[env_name]
        if file_key in file_values:
            return file_values[file_key]
        return default

    api_key = _api_key(flags, env, file_values, path)
    if "base_url" in flags:
        url_source = "--base-url"
    elif env.get(ENV_BASE_URL):
        url_source = ENV_BASE_URL
    else:
        url_source = f"base_url in {path}"
    animation = bool(pick("animation", None, "animation", True))
    # Over SSH every animated frame crosses the wire: animations off.
    if env.get("SSH_CONNECTION"):
        animation = False
    settings = Settings(
        api_key=api_key,
        base_url=_check_base_url(
            str(pick("base_url", ENV_BASE_URL, "base_url", DEFAULT_BASE_URL)), url_source
        ),
        project_id=pick("project", ENV_PROJECT, "project", None),
        organization_id=pick("organization", ENV_ORGANIZATION, "organization", None),
        custom_headers=parse_custom_headers(env.get(ENV_CUSTOM_HEADERS, "")),
        refresh=_refresh(pick("refresh", None, "refresh", 1.0), "refresh"),
        list_refresh=_refresh(pick("list_refresh", None, "list_refresh", 15.0), "list_refresh"),
        page_size=int(pick("page_size", None, "page_size", 50)),
        animation=animation,
        read_only=bool(pick("read_only", None, "read_only", False)),
        allow_insecure=bool(pick("allow_insecure", None, "allow_insecure", False)),
        debug_log=flags.get("debug_log"),
        keymap=dict(file_values.get("keymap", {})),
        sim_seed=int(flags.get("seed", 7)),
        sim_shape=str(flags.get("shape", "current")),
        sim_job_seconds=float(flags.get("job_seconds", 5.0)),
        config_path=path,
        profile=profile,
        cache=bool(pick("cache", None, "cache", True)),
        offline=bool(flags.get("offline", False)),
        cache_max_mb=int(pick("cache_max_mb", None, "cache_max_mb", 500)),
    )
    if not 1 <= settings.page_size <= 100:
        raise ConfigError("page_size must be between 1 and 100")
    if not 1 <= settings.cache_max_mb <= 1_000_000:
        raise ConfigError("cache_max_mb must be between 1 and 1000000")
    if settings.offline and not settings.cache:
        raise ConfigError("--offline reads the cache: it can't be used with --no-cache")
    return settings
