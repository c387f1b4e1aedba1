"""`config.toml`: the user's settings, validated; and the bearer token, from where it may safely come.

    server = "https://codadesk.example"   # absent: the embedded demo server
    language = "nl"                        # the server's messages: en, fr, nl or de
    token_file = "~/.config/codadesk/token"
    mouse = true

    [keymap]                               # binding id = keys, e.g. to move the e-mail filling off `@`
    "clients.fill_email" = "f4"

The token comes from `CODADESK_TOKEN`, else `token` in the config file, else the token file. A file that
holds a token must be readable by its owner only (mode 0600): codadesk refuses one that others can read.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from tui import paths

TOKEN_VARIABLE = "CODADESK_TOKEN"  # noqa: S105 - the variable's name, not a token
_KEY = re.compile(r"^[^\s,]+$")


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key or file, and what to do."""


class Config(BaseModel):
    """The settings of `config.toml`. Every key is optional; an unknown key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str | None = None
    """The team server's URL (`https://...`); None runs the embedded demo server."""
    language: Literal["en", "fr", "nl", "de"] | None = None
    """The language the server answers messages in."""
    token: SecretStr | None = Field(default=None, repr=False)
    """The bearer token itself; allowed only in a config file of mode 0600."""
    token_file: Path | None = None
    """A file holding the token (mode 0600); default `token` beside `config.toml`."""
    mouse: bool = True
    """False: do not capture the mouse (the terminal's own selection keeps working)."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id → keys (comma-separated), e.g. `"clients.search" = "ctrl+f"`."""

    @field_validator("server")
    @classmethod
    def _server_is_http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("token_file")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @field_validator("keymap")
    @classmethod
    def _keys_are_key_names(cls, value: dict[str, str]) -> dict[str, str]:
        for binding_id, keys in value.items():
            if not keys or not all(_KEY.match(key.strip()) for key in keys.split(",")):
                raise ValueError(f"{binding_id!r}: {keys!r} is not a comma-separated list of keys like 'ctrl+e,f5'")
        return value


def load_config(path: Path | None = None) -> Config:
    """The settings in `path` (default: the user's `config.toml`); defaults when the file does not exist."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {_describe(error)}") from None
    if config.token is not None:
        ensure_private(path)
    return config


def _describe(error: ValidationError) -> str:
    """The first problem, naming the key; never the value (it may be a token)."""
    first = error.errors(include_input=False)[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    return f"key '{key}': {first['msg']}"


def ensure_private(path: Path) -> None:
    """Refuse a secret file that the group or others may read or write."""
    if os.name == "nt":  # permissions are ACLs there; the user's profile folder is private by default
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds a token but other users can read it (mode {mode:04o}). "
            f"Run `chmod 600 {path}` and start codadesk again."
        )


def resolve_token(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The bearer token: `CODADESK_TOKEN`, else the config file's `token`, else the token file; None if none."""
    environ = os.environ if environ is None else environ
    if token := environ.get(TOKEN_VARIABLE, "").strip():
        return token
    if config.token is not None:
        return config.token.get_secret_value().strip()
    path = config.token_file or paths.default_token_file()
    try:
        ensure_private(path)
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if config.token_file is not None:
            raise ConfigError(f"token_file {path} does not exist") from None
        return None
    return token or None


def write_private_file(path: Path, text: str) -> None:
    """Write a secret file readable by its owner only (created 0600, never briefly wider)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
