"""HTTP to a CRM: timeouts, rate limits, retries with jittered backoff, honest errors.

Why each piece:

* **Rate limits are budgets of tokens that come back a window after use** (a token bucket
  whose refill is tied to each spent token, i.e. a sliding window). HubSpot counts
  "100 requests per rolling 10 s" (and 4/s for search); a classic bucket refilling at
  10/s with a burst of 100 can send 200 requests in the first 10 s and earn 429s, while
  this one never exceeds the server's count and still uses the whole budget.
* **Retries only where repeating is harmless.** Every request the adapters send is
  idempotent (search, upsert by a unique id, update by id, associate, archive), so a
  request whose answer was lost (timeout, connection reset mid-response, a garbled body)
  can be sent again without duplicating anything. 429 waits ``Retry-After``; 5xx and
  network errors wait an exponentially growing, fully jittered delay (so many clients
  recovering at once do not retry in lockstep). Connection *refused* gives up quickly:
  that is "offline", and the user should hear it in a second, not after a minute.
* **Garbage never passes as data.** A 2xx body that is not JSON (an HTML page from a proxy,
  a truncated document) is retried, then reported as :class:`GarbageResponse`.
* **The token never leaves the Authorization header.** Messages built from server answers
  are redacted (a server may echo the header back), URLs are shown without user info,
  and the token is only ever held in a :class:`~cstui.sync.config.Secret`.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from cstui.i18n import Msg, msg, render, said
from cstui.sanitize import clean

from .config import Secret
from .errors import Cancelled, ConfigError, GarbageResponse, Rejected, RemoteError, Unreachable

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({500, 502, 503, 504})


class RateLimit:
    """At most ``limit`` requests in any ``per``-second window (thread-safe).

    Each request spends a token; the token returns ``per`` seconds later. ``block()``
    makes everyone wait (after a 429, the server knows better than our count).
    """

    SLACK = 0.05
    """Seconds added to the window: the server stamps a request when it arrives, a little
    after we stamp it, so two requests exactly one window apart here can be a hair less
    than a window apart there (and earn a 429 costing a whole second of Retry-After)."""

    def __init__(
        self, name: str, limit: int, per: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or per <= 0:
            raise ValueError("A rate limit needs a positive count and window.")
        self.name = name
        self.limit = limit
        self.per = per + self.SLACK
        self._clock = clock
        self._used: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Seconds until a token is free (0 when one is free now)."""
        with self._lock:
            now = self._clock()
            while self._used and self._used[0] <= now - self.per:
                self._used.popleft()
            wait = 0.0
            if len(self._used) >= self.limit:
                wait = self._used[0] + self.per - now
            return max(wait, self._blocked_until - now, 0.0)

    def take(self) -> None:
        with self._lock:
            self._used.append(self._clock())

    def block(self, seconds: float) -> None:
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. The defaults suit a real CRM; tests shorten the delays."""

    attempts: int = 6
    connect_attempts: int = 2
    garbage_attempts: int = 3
    backoff: float = 0.5
    backoff_cap: float = 20.0
    max_retry_after: float = 120.0


def _display_url(url: str) -> str:
    """The URL without user info (``https://user:secret@host`` must not be printed)."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return "the configured address"
    port = f":{parsed.port}" if parsed.port else ""
    path = parsed.path.rstrip("/")
    return f"{parsed.scheme}://{parsed.host}{port}{path}"


def _safe_for_tokens(url: str) -> bool:
    """https anywhere; plain http only to loopback (a fake CRM in tests)."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return False
    if parsed.scheme == "https":
        return True
    return parsed.scheme == "http" and parsed.host in ("127.0.0.1", "localhost", "::1")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds < 0:  # NaN or in the past
        return 0.0
    return seconds


class Transport:
    """One CRM's HTTP client. ``request()`` returns parsed JSON or raises a ``SyncError``."""

    def __init__(
        self,
        base_url: str,
        *,
        token: Secret | None,
        label: str,
        token_hint: str = "",
        timeout: float = 30.0,
        limits: Mapping[str, RateLimit] | None = None,
        retry: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
        http: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shown_url = _display_url(self.base_url)
        if token is not None and not _safe_for_tokens(self.base_url):
            raise ConfigError(said("sync.remote.plain_http", label=label, url=self.shown_url))
        self.label = label
        self.token_hint = token_hint
        self.limits = dict(limits or {})
        self.retry = retry or RetryPolicy()
        self.cancel = cancel or threading.Event()
        self.requests = 0
        """HTTP requests sent, retries included (the benchmark reports requests per record)."""
        self._rng = rng or random.Random()
        self._clock = clock
        self._count_lock = threading.Lock()
        self._stopped = threading.Event()
        self._secrets = [token.reveal()] if token is not None else []
        headers = {"Accept": "application/json", "User-Agent": "cstui-sync"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            transport=http,
        )

    def close(self) -> None:
        """Stop any request still retrying in another thread, then close the connections."""
        self._stopped.set()
        self._client.close()

    # ----------------------------------------------------------------- helpers
    def redact(self, text: str) -> str:
        """Remove every secret from ``text`` and neutralise control characters."""
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "****")
        return clean(text)

    def _check_stop(self) -> None:
        if self.cancel.is_set() or self._stopped.is_set():
            raise Cancelled("Sync cancelled; everything done so far is saved.")

    def _sleep(self, seconds: float) -> None:
        """Wait, but give up at once when cancelled (checked every 0.1 s when closing)."""
        deadline = self._clock() + seconds
        while True:
            self._check_stop()
            left = deadline - self._clock()
            if left <= 0:
                return
            self.cancel.wait(min(left, 0.1))

    def _wait_for_tokens(self, buckets: Iterable[str]) -> None:
        limits = [self.limits[b] for b in buckets if b in self.limits]
        while True:
            with self._count_lock:  # check and spend together: a prefetch thread also sends
                wait = max((lim.delay() for lim in limits), default=0.0)
                if wait <= 0:
                    for lim in limits:
                        lim.take()
                    self.requests += 1
                    return
            self._sleep(wait)

    def _pause(self, attempt: int, seconds: float) -> None:
        """Wait before the next attempt; after the last one there is none to wait for."""
        if attempt + 1 < self.retry.attempts:
            self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.retry.backoff_cap, self.retry.backoff * (2**attempt))
        return self._rng.uniform(ceiling / 2, ceiling)

    def _describe(self, response: httpx.Response) -> str:
        """A short, safe description of an error body (its JSON message, or the HTML title)."""
        # Redact before cutting: a cut could split an echoed token, and a half token is no
        # longer found by the replace (a 60-character cut once showed 22 of 44 characters).
        text = self.redact(response.text)[:4000]
        message = ""
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            message = data["message"]
        elif text.lstrip().startswith("<"):
            lower = text.lower()
            start, end = lower.find("<title>"), lower.find("</title>")
            title = text[start + 7 : end].strip() if 0 <= start < end else ""
            page = msg("sync.remote.html_page_titled", title=title) if title else None
            message = render(page or Msg("sync.remote.html_page"))
        elif text.lstrip().startswith(("{", "[")):
            message = said("sync.remote.damaged_json", size=len(response.content))
        elif text.strip():
            message = repr(text.strip()[:60])
        message = self.redact(" ".join(message.split()))
        return message[:200]

    def _retry_wait(
        self, response: httpx.Response, attempt: int, buckets: tuple[str, ...]
    ) -> tuple[str, float] | None:
        """(why, seconds to wait) when the answer asks to try again later: the rate limit
        (which also holds back the other requests of its buckets) or a passing server
        error; None for any other answer. A rate limit asking too long a wait ends the sync."""
        status = response.status_code
        if status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is None:
                wait = self._backoff(attempt)
            if wait > self.retry.max_retry_after:
                raise RemoteError(said("sync.remote.rate_limit", label=self.label, seconds=wait))
            wait += self._rng.uniform(0, 0.1 * wait + 0.05)
            for name in buckets:
                if name in self.limits:
                    self.limits[name].block(wait)
            return said("sync.remote.last.rate_limited"), wait
        if status in RETRY_STATUS:
            last = f"HTTP {status}: {self._describe(response)}"
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is None or wait > self.retry.max_retry_after:
                wait = self._backoff(attempt)
            return last, wait
        return None

    def _bodiless(self, response: httpx.Response, what: str, accept: Iterable[int]) -> bool:
        """Whether a final answer has no body to parse (an accepted status, 204, empty);
        raises for a refused token or any other failure status."""
        status = response.status_code
        if status in (401, 403):
            problem = (
                "sync.remote.token_refused" if status == 401 else "sync.remote.token_not_allowed"
            )
            hint = f" {self.token_hint}" if self.token_hint else ""
            raise ConfigError(
                said(
                    problem,
                    label=self.label,
                    status=str(status),
                    detail=self._describe(response),
                    hint=hint,
                )
            )
        if status in accept:
            return True
        if not 200 <= status < 300:
            raise Rejected(
                said(
                    "sync.remote.rejected",
                    label=self.label,
                    what=what,
                    status=str(status),
                    detail=self._describe(response),
                ),
                status,
            )
        return status == 204 or not response.content.strip()

    # ----------------------------------------------------------------- request
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        buckets: Iterable[str] = ("default",),
        accept: Iterable[int] = (),
    ) -> Any:
        """Send with rate limiting and retries; return the parsed JSON body (None if empty).

        Statuses in ``accept`` (e.g. 404 for a delete) count as success with no body.
        """
        buckets = tuple(buckets)
        what = f"{method} {path}"
        last = ""
        connect_failures = 0
        garbage = 0
        body = None if json is None else orjson.dumps(json)
        headers = {"Content-Type": "application/json"} if body is not None else None
        for attempt in range(self.retry.attempts):
            self._check_stop()
            self._wait_for_tokens(buckets)
            started = time.monotonic()
            try:
                response = self._client.request(
                    method, path, content=body, params=params, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
                connect_failures += 1
                reason = self.redact(str(exc) or type(exc).__name__)
                if connect_failures >= self.retry.connect_attempts or isinstance(
                    exc, httpx.UnsupportedProtocol
                ):
                    raise Unreachable(
                        said(
                            "sync.remote.unreachable",
                            label=self.label,
                            url=self.shown_url,
                            reason=reason,
                        )
                    ) from None
                last = said("sync.remote.last.connect", reason=reason)
                self._pause(attempt, self._backoff(attempt))
                continue
            except httpx.TimeoutException:
                last = said("sync.remote.last.timeout")
                log.debug("%s: timed out", what)
                self._pause(attempt, self._backoff(attempt))
                continue
            except httpx.TransportError as exc:  # reset, cut mid-response, protocol error
                last = said("sync.remote.last.broke", reason=self.redact(type(exc).__name__))
                log.debug("%s: %s", what, type(exc).__name__)
                self._pause(attempt, self._backoff(attempt))
                continue
            status = response.status_code
            log.debug("%s -> %s in %.0f ms", what, status, (time.monotonic() - started) * 1000)
            retry = self._retry_wait(response, attempt, buckets)
            if retry is not None:
                last, wait = retry
                self._pause(attempt, wait)
                continue
            if self._bodiless(response, what, accept):
                return None
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError:
                garbage += 1
                detail = self._describe(response) or said("sync.remote.empty")
                last = said("sync.remote.last.not_json", detail=detail)
                if garbage >= self.retry.garbage_attempts:
                    raise GarbageResponse(
                        said("sync.remote.garbage", label=self.label, what=what, last=last)
                    ) from None
                self._pause(attempt, self._backoff(attempt))
                continue
        raise RemoteError(
            said(
                "sync.remote.kept_failing",
                label=self.label,
                what=what,
                last=last,
                attempts=self.retry.attempts,
            )
        )
