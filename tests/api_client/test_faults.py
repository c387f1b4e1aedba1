"""Answers the real server does not give on demand: its own crash, a gateway's page, a broken body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api_client import (
    ApiConnectionError,
    ApiError,
    Client,
    ConflictError,
    InvalidResponseError,
    ServerError,
    StaleVersionError,
    UpstreamError,
)
from api_client.errors import REDACTED
from tests.api_client.conftest import FakeTime, error_answer, mock_client

pytestmark = pytest.mark.anyio


async def test_a_server_crash_is_a_server_error_with_its_message(fake_time: FakeTime) -> None:
    answer = error_answer(500, "internal_error", "The server failed; the change was not saved")
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(ServerError) as caught:
            await api.me()
    assert caught.value.message == "The server failed; the change was not saved"
    assert not isinstance(caught.value, UpstreamError)


async def test_a_gateways_html_page_is_a_server_error_all_the_same(fake_time: FakeTime) -> None:
    answer = httpx.Response(502, text="<html><body>Bad Gateway</body></html>", headers={"Content-Type": "text/html"})
    async with mock_client(lambda _: answer, fake_time, max_retries=0) as api:
        with pytest.raises(ServerError) as caught:
            await api.me()
    assert caught.value.code == "http_502"
    assert caught.value.body is None
    assert "502" in caught.value.message


async def test_twikeys_failure_is_an_upstream_error(fake_time: FakeTime) -> None:
    answer = error_answer(502, "twikey_error", "Twikey did not answer", details={"twikey_code": "err_x"})
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(UpstreamError) as caught:
            await api.sign_twikey(1)
    assert isinstance(caught.value, ServerError)
    assert caught.value.details["twikey_code"] == "err_x"


async def test_an_answer_of_the_wrong_shape_is_an_invalid_response(fake_time: FakeTime) -> None:
    answer = httpx.Response(200, json={"user": {"id": "not a number"}})
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(InvalidResponseError) as caught:
            await api.me()
    assert "/api/v1/me" in caught.value.message
    assert caught.value.request is not None
    assert caught.value.request.headers["Authorization"] == REDACTED


async def test_a_412_without_the_current_client_is_not_passed_off_as_stale(fake_time: FakeTime) -> None:
    answer = error_answer(412, "version_conflict", "Changed since")
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(InvalidResponseError) as caught:
            await api.update_client(1, {"city": "Gent"}, version=1)
    assert not isinstance(caught.value, StaleVersionError)
    assert caught.value.status_code == 412


async def test_an_unforeseen_conflict_is_a_conflict(fake_time: FakeTime) -> None:
    answer = error_answer(409, "conflict", "Something else is in the way")
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(ConflictError) as caught:
            await api.archive_mandate(1)
    assert type(caught.value) is ConflictError


async def test_another_status_is_the_base_error_with_the_servers_words(fake_time: FakeTime) -> None:
    answer = error_answer(413, "payload_too_large", "The body is over 1048576 bytes")
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(ApiError) as caught:
            await api.check_client(1, {"street": "x" * 10})
    assert (caught.value.status_code, caught.value.code) == (413, "payload_too_large")
    assert str(caught.value) == "The body is over 1048576 bytes"


async def test_a_broken_compressed_body_is_an_invalid_response(fake_time: FakeTime) -> None:
    answer = httpx.Response(200, stream=httpx.ByteStream(b"not gzip at all"), headers={"Content-Encoding": "gzip"})
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(InvalidResponseError):
            await api.me()


def test_a_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        Client("ftp://codadesk.example")


def test_api_v1_is_added_to_the_base_url_once() -> None:
    assert str(Client("https://codadesk.example").base_url) == "https://codadesk.example/api/v1"
    assert str(Client("https://codadesk.example/api/v1/").base_url) == "https://codadesk.example/api/v1"
    assert str(Client("https://host/codadesk").base_url) == "https://host/codadesk/api/v1"


# --- downloads ---------------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n" + b"0" * 50_000 + b"\n%%EOF\n"


class BreaksMidway(httpx.AsyncByteStream):
    """A body that stops halfway: the connection broke while the PDF was coming in."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield PDF[:20_000]
        raise httpx.ReadError("connection reset in the middle of the body")


def pdf_answer(*, broken: bool = False, disposition: str = 'attachment; filename="mandate-7-v2.pdf"') -> httpx.Response:
    headers = {"Content-Type": "application/pdf", "Content-Disposition": disposition}
    if broken:
        return httpx.Response(200, headers=headers, stream=BreaksMidway())
    return httpx.Response(200, headers=headers, content=PDF)


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_a_download_broken_midway_is_fetched_again_whole(fake_time: FakeTime, tmp_path: Path) -> None:
    answers = iter([pdf_answer(broken=True), pdf_answer()])
    async with mock_client(lambda _: next(answers), fake_time) as api:
        saved = await api.download_mandate(7, tmp_path)
    assert saved == tmp_path / "mandate-7-v2.pdf"
    assert saved.read_bytes() == PDF
    assert names_in(tmp_path) == ["mandate-7-v2.pdf"]


async def test_a_download_that_keeps_breaking_leaves_no_file(fake_time: FakeTime, tmp_path: Path) -> None:
    (tmp_path / "mandate.pdf").write_bytes(b"the previous version")
    async with mock_client(lambda _: pdf_answer(broken=True), fake_time) as api:
        with pytest.raises(ApiConnectionError):
            await api.download_mandate(7, tmp_path / "mandate.pdf")
    assert names_in(tmp_path) == ["mandate.pdf"], "no partial file left behind"
    assert (tmp_path / "mandate.pdf").read_bytes() == b"the previous version", "the old file is untouched"


async def test_a_server_file_name_cannot_leave_the_folder(fake_time: FakeTime, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    answer = pdf_answer(disposition='attachment; filename="../../.bashrc"')
    async with mock_client(lambda _: answer, fake_time) as api:
        saved = await api.download_mandate(7, folder)
    assert saved == folder / "bashrc.pdf"
    assert names_in(tmp_path) == ["downloads"]


async def test_a_download_without_a_file_name_is_named_after_the_mandate(fake_time: FakeTime, tmp_path: Path) -> None:
    answer = httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=PDF)
    async with mock_client(lambda _: answer, fake_time) as api:
        saved = await api.download_mandate(7, tmp_path)
    assert saved == tmp_path / "mandate-7.pdf"


async def test_an_answer_that_is_not_a_pdf_is_not_saved(fake_time: FakeTime, tmp_path: Path) -> None:
    answer = httpx.Response(200, headers={"Content-Type": "text/html"}, text="<html>login</html>")
    async with mock_client(lambda _: answer, fake_time) as api:
        with pytest.raises(InvalidResponseError):
            await api.download_mandate(7, tmp_path)
    assert names_in(tmp_path) == []
