"""What a failed sync says is worded in the UI language (the app's sync screen shows it as
it is): offline, a refused token, garbage, a server that keeps failing, an unknown adapter,
a settled conflict. English, which ``cstui sync`` prints for cron, is unchanged (the other
sync tests pin it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from cstui import i18n
from cstui.sync.config import Secret
from cstui.sync.errors import ConfigError, GarbageResponse, RemoteError, Unreachable
from cstui.sync.registry import load
from cstui.sync.transport import RetryPolicy, Transport


@pytest.fixture(autouse=True)
def _japanese() -> Iterator[None]:
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def _transport(handler: Callable[[httpx.Request], httpx.Response]) -> Transport:
    return Transport(
        "https://crm.invalid",
        token=Secret("tok-123456789"),
        label="HubSpot",
        http=httpx.MockTransport(handler),
        retry=RetryPolicy(
            attempts=2, connect_attempts=1, garbage_attempts=1, backoff=0.0, backoff_cap=0.0
        ),
    )


def _english(text: str) -> list[str]:
    """Latin words left once the CRM's own words (its name, HTTP, JSON, its message) are out."""
    words = re.findall(r"[A-Za-z]{3,}", re.sub(r"https?://\S+|`[^`]*`|/\w+", "", text))
    return [w for w in words if w not in {"HubSpot", "HTTP", "JSON", "HTML", "GET", "POST"}]


def test_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    with pytest.raises(Unreachable) as caught:
        _transport(offline).request("GET", "/x")
    assert str(caught.value) == "HubSpot（https://crm.invalid）に接続できません（no route）。"


def test_a_refused_token() -> None:
    t = _transport(lambda r: httpx.Response(401, json={"message": "expired"}))
    with pytest.raises(ConfigError) as caught:
        t.request("POST", "/x")
    assert str(caught.value) == "HubSpot のトークンが拒否されました（HTTP 401：expired）。"


def test_an_html_page_instead_of_json() -> None:
    t = _transport(lambda r: httpx.Response(200, text="<html><title>Login</title></html>"))
    with pytest.raises(GarbageResponse) as caught:
        t.request("GET", "/x")
    said = str(caught.value)
    assert said == (
        "HubSpot が GET /x にJSON ではない応答（HTML ページ（Login））を返したため、"
        "その応答は使っていません。"
    )
    assert _english(said) == ["Login"]  # the page's own title


def test_a_server_that_keeps_failing() -> None:
    t = _transport(lambda r: httpx.Response(503, json={"message": "down"}))
    with pytest.raises(RemoteError) as caught:
        t.request("GET", "/x")
    said = str(caught.value)
    assert said == "HubSpot への GET /x が 2 回続けて失敗しました（HTTP 503: down）。"


def test_an_unknown_adapter() -> None:
    with pytest.raises(ConfigError) as caught:
        load("salesforce")
    assert str(caught.value).startswith("salesforce という CRM アダプターはありません。")
