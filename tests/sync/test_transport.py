"""The HTTP layer alone: rate budget, Retry-After, retries, and what is never retried."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from cstui.sync.config import Secret
from cstui.sync.errors import Cancelled, ConfigError, GarbageResponse, Rejected, RemoteError
from cstui.sync.transport import RateLimit, RetryPolicy, Transport, parse_retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Waits(threading.Event):
    """A cancel flag that moves a fake clock instead of sleeping; ``waits`` are the pauses."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.waits: list[float] = []
        self._last = 0.0

    def clock(self) -> float:
        return self.now

    def wait(self, timeout: float | None = None) -> bool:
        self.now += float(timeout or 0)
        return self.is_set()

    def pause(self) -> None:
        """Called by the handler at each request: closes the pause before it."""
        if self.now > self._last:
            self.waits.append(self.now - self._last)
        self._last = self.now


def transport(
    handler: Callable[[httpx.Request], httpx.Response], cancel: Waits | None = None
) -> Transport:
    waits = cancel or Waits()

    def timed(request: httpx.Request) -> httpx.Response:
        waits.pause()
        return handler(request)

    return Transport(
        "https://crm.invalid",
        token=Secret("tok-123456789"),
        label="HubSpot",
        http=httpx.MockTransport(timed),
        retry=RetryPolicy(attempts=4, backoff=0.1, backoff_cap=1.0),
        cancel=waits,
        clock=waits.clock,
    )


def test_the_rate_budget_never_exceeds_the_window() -> None:
    clock = Clock()
    limit = RateLimit("default", 3, 10.0, clock)
    for _ in range(3):
        assert limit.delay() == 0
        limit.take()
        clock.now += 1
    # The first token comes back a window (plus a little slack) after use.
    assert limit.delay() == pytest.approx(7.0 + RateLimit.SLACK)
    clock.now += 7 + RateLimit.SLACK
    assert limit.delay() == 0
    limit.block(5)
    assert limit.delay() == pytest.approx(5.0)


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_429_waits_for_retry_after_then_succeeds() -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, json={"ok": 1}),
    ]
    waits = Waits()
    t = transport(lambda r: answers.pop(0), cancel=waits)
    assert t.request("POST", "/x") == {"ok": 1}
    assert t.requests == 2
    assert waits.waits
    assert 3.0 <= waits.waits[0] <= 3.5


def test_a_huge_retry_after_is_reported_not_slept() -> None:
    t = transport(lambda r: httpx.Response(429, headers={"Retry-After": "86400"}))
    with pytest.raises(RemoteError, match="asked to wait 86400 s"):
        t.request("GET", "/x")


def test_server_errors_are_retried_with_growing_jittered_delays() -> None:
    waits = Waits()
    t = transport(lambda r: httpx.Response(503, json={"message": "busy"}), cancel=waits)
    with pytest.raises(
        RemoteError, match=r"kept failing GET /x \(HTTP 503: busy\) after 4 attempts"
    ):
        t.request("GET", "/x")
    assert len(waits.waits) == 3  # no pointless wait after the last attempt
    assert waits.now == pytest.approx(sum(waits.waits))
    assert waits.waits[0] < waits.waits[2] <= 1.1


def test_client_errors_are_not_retried_and_auth_errors_are_configuration() -> None:
    t = transport(lambda r: httpx.Response(400, json={"message": "bad tok-123456789 filter"}))
    with pytest.raises(Rejected, match=r"HTTP 400: bad \*\*\*\* filter") as info:
        t.request("POST", "/x")
    assert info.value.status == 400
    assert t.requests == 1
    t = transport(lambda r: httpx.Response(401, json={"message": "expired"}))
    with pytest.raises(ConfigError, match="token was refused"):
        t.request("POST", "/x")


def test_a_broken_connection_is_retried_and_garbage_is_refused() -> None:
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        if calls["n"] == 2:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=[1])

    assert transport(flaky).request("GET", "/x") == [1]
    t = transport(lambda r: httpx.Response(200, text="<html><title>Login</title></html>"))
    with pytest.raises(GarbageResponse, match=r"not JSON \(an HTML page \('Login'\)\)"):
        t.request("GET", "/x")


def test_cancel_interrupts_a_wait() -> None:
    waits = Waits()
    waits.set()
    t = transport(lambda r: httpx.Response(500), cancel=waits)
    with pytest.raises(Cancelled):
        t.request("GET", "/x")


def test_the_token_goes_only_in_the_authorization_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    transport(handler).request("POST", "/x", json={"a": 1}, params={"q": "1"})
    [request] = seen
    assert request.headers["Authorization"] == "Bearer tok-123456789"
    assert "tok-123456789" not in str(request.url)
    assert b"tok-123456789" not in request.content


def test_the_token_is_never_sent_over_plain_http_to_another_machine() -> None:
    with pytest.raises(ConfigError, match="Refusing to send the HubSpot token to http://crm"):
        Transport("http://crm.example.com", token=Secret("t"), label="HubSpot")
    Transport("http://127.0.0.1:9", token=Secret("t"), label="HubSpot").close()


def test_a_plain_text_error_echoing_the_authorization_header_shows_no_part_of_the_token() -> None:
    """The body was cut to 60 characters before the token was redacted: the cut split the
    token, the replace no longer found it, and half of it reached the message."""
    token = "pat-na1-" + "0123456789abcdef" * 2 + "ZYXWVUTS"  # 44 characters, like HubSpot's
    for prefix in range(0, 60, 7):  # wherever the cut falls in the echoed header
        body = "x" * prefix + f"Authorization: Bearer {token}\nserver error"

        def handler(request: httpx.Request, body: str = body) -> httpx.Response:
            return httpx.Response(500, text=body, headers={"content-type": "text/plain"})

        t = Transport(
            "https://crm.invalid",
            token=Secret(token),
            label="HubSpot",
            http=httpx.MockTransport(handler),
            retry=RetryPolicy(attempts=1),
        )
        with pytest.raises(RemoteError) as err:
            t.request("GET", "/x")
        message = str(err.value)
        for n in range(0, len(token) - 5):
            assert token[n : n + 6] not in message, (prefix, message)
