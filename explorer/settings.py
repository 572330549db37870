"""One ``Settings`` object: flags > environment > config file profile > defaults."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.api import DEFAULT_BASE_URL

ENV_API_KEY = "LLAMA_CLOUD_API_KEY"
#: The SDK also accepts this one; so do we.
ENV_API_KEY_ALT = "LLAMA_PARSE_API_KEY"
ENV_BASE_URL = "LLAMA_CLOUD_BASE_URL"
ENV_PROJECT = "LLAMA_CLOUD_PROJECT_ID"
ENV_ORGANIZATION = "LLAMA_CLOUD_ORGANIZATION_ID"
ENV_CUSTOM_HEADERS = "LLAMA_CLOUD_CUSTOM_HEADERS"
ENV_CONFIG = "EXTRACT_EXPLORER_CONFIG"
ENV_PROFILE = "EXTRACT_EXPLORER_PROFILE"


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

    @property
    def demo(self) -> bool:
        """No key: run against the embedded simulator."""
        return not self.api_key


def parse_custom_headers(text: str) -> dict[str, str]:
    """``LLAMA_CLOUD_CUSTOM_HEADERS``: one ``Name: value`` per line (the SDK's format)."""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


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
    keymap = data.pop("keymap", {})
    merged = dict(data)
    if profile:
        if not isinstance(profiles, dict) or profile not in profiles:
            raise ConfigError(f"no profile {profile!r} in {path}")
        chosen = profiles[profile]
        if isinstance(chosen, dict):
            keymap = {**keymap, **chosen.pop("keymap", {})}
            merged.update(chosen)
    if keymap:
        merged["keymap"] = keymap
    return merged


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

    api_key = (
        flags.get("api_key")
        or env.get(ENV_API_KEY)
        or env.get(ENV_API_KEY_ALT)
        or file_values.get("api_key")
        or None
    )
    animation = bool(pick("animation", None, "animation", True))
    # Over SSH every animated frame crosses the wire: animations off.
    if env.get("SSH_CONNECTION"):
        animation = False
    settings = Settings(
        api_key=api_key,
        base_url=str(pick("base_url", ENV_BASE_URL, "base_url", DEFAULT_BASE_URL)),
        project_id=pick("project", ENV_PROJECT, "project", None),
        organization_id=pick("organization", ENV_ORGANIZATION, "organization", None),
        custom_headers=parse_custom_headers(env.get(ENV_CUSTOM_HEADERS, "")),
        refresh=float(pick("refresh", None, "refresh", 1.0)),
        list_refresh=float(pick("list_refresh", None, "list_refresh", 15.0)),
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
    )
    if settings.refresh <= 0 or settings.list_refresh <= 0:
        raise ConfigError("refresh intervals must be positive")
    if not 1 <= settings.page_size <= 100:
        raise ConfigError("page_size must be between 1 and 100")
    return settings
