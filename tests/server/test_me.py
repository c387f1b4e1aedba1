from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import FirmAccess


def test_me_names_the_user_and_the_firm(http: TestClient, firm: FirmAccess) -> None:
    answer = http.get("/api/v1/me", headers=firm.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["firm"]["id"] == firm.firm_id
    assert body["firm"]["mandate_management"] == "service"
    assert body["user"]["id"] == firm.user_id


def test_no_token_is_401_in_the_error_shape(http: TestClient) -> None:
    answer = http.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_wrong_token_is_401(http: TestClient, firm: FirmAccess) -> None:
    answer = http.get("/api/v1/me", headers={"Authorization": f"Bearer {firm.token}x"})
    assert answer.status_code == 401
