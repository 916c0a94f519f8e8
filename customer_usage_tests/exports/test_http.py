"""Retry-After parsing, backoff and the rate limiter, with injected clock and sleep."""

from __future__ import annotations

import email.utils

import pytest

from customer_usage.exports.http import RateLimiter, RetryingSession, RetryPolicy, parse_retry_after


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=lambda: 1_000_000) == pytest.approx(30.0)


def test_backoff_doubles_and_the_server_hint_wins():
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 10]
    assert policy.delay(1, "42") == 10.0  # capped
    assert RetryPolicy(max_delay=120).delay(1, "42") == 42.0


def test_rate_limiter_allows_at_most_n_calls_in_any_window():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(calls=100, period=60.0, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(250):
        limiter.acquire()
        stamps.append(now[0])
        now[0] += 0.01  # each call takes 10 ms
    assert stamps[99] < 1.0 and stamps[100] >= 60.0 and stamps[200] >= 120.0
    assert all(sum(1 for t in stamps if s <= t < s + 60) <= 100 for s in stamps)
    assert limiter.waited_seconds == pytest.approx(sum(slept))


def test_session_retries_statuses_and_timeouts_then_gives_up(api):
    sleeps = []
    session = RetryingSession(RetryPolicy(max_attempts=4, base_delay=0.5, sleep=sleeps.append), timeout=0.3)
    api.inject("GET", r"^/nowhere$", status=429, retry_after="3")
    api.inject("GET", r"^/nowhere$", status=None)
    api.inject("GET", r"^/nowhere$", status=500)
    response = session.get(f"{api.url}/nowhere")
    assert response.status_code == 404  # the real answer after three retried failures
    assert sleeps == [3.0, 1.0, 2.0] and session.stats.retries == 3

    api.inject("GET", r"^/nowhere$", status=503, times=10)
    response = session.get(f"{api.url}/nowhere")
    assert response.status_code == 503  # attempts exhausted: the caller sees the failure
