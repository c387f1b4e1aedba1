"""Where codadesk keeps its files: the user's config, data and download folders (platformdirs).

`CODADESK_CONFIG_DIR` and `CODADESK_DATA_DIR` move the first two, so tests and several profiles on one
machine never share a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "codadesk"


def config_dir() -> Path:
    """The folder of `config.toml` and the token file."""
    override = os.environ.get("CODADESK_CONFIG_DIR")
    return Path(override) if override else platformdirs.user_config_path(APP_NAME)


def data_dir() -> Path:
    """The folder of the embedded demo database and local drafts."""
    override = os.environ.get("CODADESK_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME)


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_token_file() -> Path:
    return config_dir() / "token"


def downloads_dir() -> Path:
    """Where downloaded mandate PDFs go: the user's download folder, else the home folder."""
    folder = platformdirs.user_downloads_path()
    return folder if folder.is_dir() else Path.home()
