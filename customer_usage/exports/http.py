"""Polite HTTP for the exports: retries with backoff, and a call-rate limit.

Both destinations are rate-limited SaaS APIs that answer 429 and the odd 5xx
under load. Retrying inside one `requests.Session` lets the unmodified
`simple-salesforce` client and our Gainsight client share the same policy.
Clock and sleep are injectable so tests exercise the policy without waiting.
"""

from __future__ import annotations

import collections
import email.utils
import time
from dataclasses import dataclass, field
from typing import Callable

import requests

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """Exponential backoff; a server's `Retry-After` wins over our own guess."""

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 120.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.max_delay)
        return min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


@dataclass
class HttpStats:
    """What the retry layer did, for asset metadata."""

    requests: int = 0
    retries: int = 0
    retried_statuses: collections.Counter = field(default_factory=collections.Counter)


class RetryingSession(requests.Session):
    """A `requests.Session` that retries 429/5xx/timeouts/connection errors.

    Every request gets a timeout (a hung connection is a retryable failure, not a
    hung run). Requests are re-sent as-is: both APIs' writes are upserts keyed on
    an external id, so a repeated request cannot create duplicates.
    """

    def __init__(self, policy: RetryPolicy | None = None, timeout: float = 60.0):
        super().__init__()
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.stats = HttpStats()

    def request(self, method, url, *args, **kwargs):  # noqa: D401 - requests' signature
        kwargs.setdefault("timeout", self.timeout)
        attempt = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                response = super().request(method, url, *args, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                if attempt >= self.policy.max_attempts:
                    raise
                self._note_retry(type(exc).__name__)
                self.policy.sleep(self.policy.delay(attempt))
                continue
            if (
                response.status_code in RETRYABLE_STATUS
                and attempt < self.policy.max_attempts
                and not is_soap_fault(response)
            ):
                self._note_retry(str(response.status_code))
                self.policy.sleep(self.policy.delay(attempt, response.headers.get("Retry-After")))
                response.close()
                continue
            return response

    def _note_retry(self, reason: str) -> None:
        self.stats.retries += 1
        self.stats.retried_statuses[reason] += 1


def is_soap_fault(response: requests.Response) -> bool:
    """A SOAP fault (e.g. INVALID_LOGIN, sent as HTTP 500) is an answer, not a hiccup."""
    return "xml" in response.headers.get("Content-Type", "") and b":Fault>" in response.content[:4000]


class RateLimiter:
    """At most `calls` calls in any `period` seconds (a sliding-window log).

    Gainsight enforces fixed one-minute windows; a token bucket refilled at
    calls/period could still put up to twice `calls` into one window after a
    burst, whereas a sliding window never exceeds `calls` in any window, so it
    is safe whatever the server's window alignment.
    """

    def __init__(
        self,
        calls: int = 100,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if calls < 1 or period <= 0:
            raise ValueError("RateLimiter needs calls >= 1 and period > 0")
        self.calls = calls
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self._sent: collections.deque[float] = collections.deque()
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        """Block until one more call fits in the window, then record it."""
        while True:
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.period:
                self._sent.popleft()
            if len(self._sent) < self.calls:
                self._sent.append(now)
                return
            wait = max(self.period - (now - self._sent[0]), 1e-6)  # never a zero sleep: rounding
            self.waited_seconds += wait
            self.sleep(wait)
