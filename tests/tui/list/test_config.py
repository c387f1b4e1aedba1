"""`config.toml` and the token: clear errors naming the key, and a token file others can read is refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.__main__ import main
from tui.config import Config, ConfigError, load_config, resolve_token, write_private_file


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "config.toml") == Config()


def test_a_full_file_is_read(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path / "config.toml",
            'server = "https://codadesk.example"\nlanguage = "nl"\nmouse = false\n'
            '[keymap]\n"clients.fill_email" = "f4"\n',
        )
    )
    assert config.server == "https://codadesk.example"
    assert config.language == "nl"
    assert config.mouse is False
    assert config.keymap == {"clients.fill_email": "f4"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('servr = "https://x.example"\n', "unknown key 'servr'"),
        ('server = "ftp://x.example"\n', "key 'server': Value error, must start with http:// or https://"),
        ('language = "es"\n', "key 'language'"),
        ('[keymap]\n"clients.search" = "ctrl + f"\n', "key 'keymap'"),
        ("server = \n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(path) in str(refused.value)
    assert says in str(refused.value)


def test_the_environment_token_comes_first(tmp_path: Path) -> None:
    token_file = write(tmp_path / "token", "from-file\n")
    config = Config(token_file=token_file)
    assert resolve_token(config, {"CODADESK_TOKEN": "from-env"}) == "from-env"
    assert resolve_token(config, {}) == "from-file"


def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    token_file = write(tmp_path / "token", "cdk_canary\n", mode=0o644)
    with pytest.raises(ConfigError) as refused:
        resolve_token(Config(token_file=token_file), {})
    message = str(refused.value)
    assert "other users can read it (mode 0644)" in message
    assert f"chmod 600 {token_file}" in message
    assert "cdk_canary" not in message


def test_a_token_in_a_config_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'token = "cdk_canary"\n', mode=0o640)
    with pytest.raises(ConfigError, match="other users can read it"):
        load_config(path)
    path.chmod(0o600)
    assert resolve_token(load_config(path), {}) == "cdk_canary"
    assert "cdk_canary" not in repr(load_config(path))


def test_a_named_token_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_token(Config(token_file=tmp_path / "nowhere"), {})


def test_private_files_are_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "token"
    write_private_file(path, "cdk_secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "cdk_secret"


def test_codadesk_without_a_token_for_its_server_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CODADESK_TOKEN", raising=False)
    monkeypatch.setenv("CODADESK_CONFIG_DIR", str(tmp_path))
    assert main(["--server", "https://codadesk.example"]) == 2
    error = capsys.readouterr().err
    assert "No token for https://codadesk.example" in error
    assert "CODADESK_TOKEN" in error


def test_codadesk_refuses_a_readable_token_file_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CODADESK_TOKEN", raising=False)
    monkeypatch.setenv("CODADESK_CONFIG_DIR", str(tmp_path))
    write(tmp_path / "token", "cdk_canary", mode=0o604)
    assert main(["--server", "https://codadesk.example"]) == 2
    error = capsys.readouterr().err
    assert "other users can read it" in error
    assert "cdk_canary" not in error
    assert os.environ.get("CODADESK_TOKEN") is None
