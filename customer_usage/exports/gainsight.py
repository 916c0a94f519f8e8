"""Gainsight: Custom Object REST upserts, 50 records per call, 100 calls per minute.

What is implemented (Gainsight's Custom Object API documentation):
`PUT {GAINSIGHT_BASE_URL}/v1/data/objects/{object}?keys={key_field}` with header
`Accesskey: {GAINSIGHT_ACCESS_KEY}` and body `{"records": [...]}` (at most 50)
upserts on the key field. The answer is `{"result": bool, "errorCode",
"errorDesc", "requestId", "data": {"count": n, "errors": [...]}}`; a
`result: false` or a 4xx rejects the whole batch, an entry of `data.errors`
naming a record's key (at top level or under `record`) rejects that record.
429/5xx/timeouts are retried by the session (honouring `Retry-After`); every
attempt, retries included, goes through the rate limiter.

Removed rows (mapping `on_removed: delete`): `DELETE` on the same URL with body
`{"conditions": [{"name": key_field, "alias": "A", "value": [keys], "operator":
"IN"}], "expression": "A"}` (delete by condition), at most 50 keys per call,
same answer shape, same retries, rate limit and per-key error handling.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import dagster as dg
import requests
from pydantic import Field

from customer_usage.exports.http import RateLimiter, RetryingSession, RetryPolicy

MAX_BATCH = 50


class GainsightSession(RetryingSession):
    """Retrying session whose every attempt first takes a slot from the rate limiter."""

    def __init__(self, limiter: RateLimiter, policy: RetryPolicy, timeout: float):
        super().__init__(policy, timeout)
        self.limiter = limiter

    def send(self, request, **kwargs):  # every attempt passes through Session.send
        self.limiter.acquire()
        return super().send(request, **kwargs)


class GainsightDestination:
    name = "gainsight"

    def __init__(self, base_url: str, access_key: str, object_name: str, session: requests.Session,
                 batch_size: int = MAX_BATCH):
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"Gainsight accepts 1..{MAX_BATCH} records per call, not {batch_size}")
        self.url = f"{base_url.rstrip('/')}/v1/data/objects/{object_name}"
        self._access_key = access_key
        self.session = session
        self.batch_size = batch_size
        self.calls = 0

    def send(self, records: list[dict[str, Any]], key_field: str, fields: list[str]) -> dict[str, str]:
        failures: dict[str, str] = {}
        for start in range(0, len(records), self.batch_size):
            batch = records[start : start + self.batch_size]
            keys = [str(r[key_field]) for r in batch]
            failures.update(self._call("PUT", keys, key_field, params={"keys": key_field},
                                       json={"records": batch}))
        return failures

    def delete(self, keys: list[str], key_field: str) -> dict[str, str]:
        """Delete the records of removed rows by their key; returns {key: error} for the failures."""
        failures: dict[str, str] = {}
        for start in range(0, len(keys), self.batch_size):
            batch = [str(k) for k in keys[start : start + self.batch_size]]
            body = {"conditions": [{"name": key_field, "alias": "A", "value": batch, "operator": "IN"}],
                    "expression": "A"}
            failures.update(self._call("DELETE", batch, key_field, json=body))
        return failures

    def _call(self, method: str, keys: list[str], key_field: str, **kwargs) -> dict[str, str]:
        headers = {"Accesskey": self._access_key, "Content-Type": "application/json", "Accept": "application/json"}
        self.calls += 1
        try:
            response = self.session.request(method, self.url, headers=headers, **kwargs)
        except requests.RequestException as exc:
            return {k: f"{type(exc).__name__} after retries"[:1000] for k in keys}
        return self._rejected(response, keys, key_field)

    @staticmethod
    def _rejected(response: requests.Response, keys: list[str], key_field: str) -> dict[str, str]:
        if response.status_code >= 300:
            message = f"HTTP {response.status_code}: {response.text[:500]}"
            return {k: message for k in keys}
        try:
            body = response.json()
        except ValueError:
            return {k: f"unreadable answer: {response.text[:200]}" for k in keys}
        if body.get("result") is False:
            message = f"{body.get('errorCode')}: {body.get('errorDesc')}"
            return {k: message for k in keys}
        rejected: dict[str, str] = {}
        batch_keys = set(keys)
        for error in (body.get("data") or {}).get("errors") or []:
            record = error.get("record") or {}
            key = error.get(key_field, record.get(key_field))
            message = f"{error.get('errorCode')}: {error.get('errorDesc') or error.get('message')}"
            if key is None or str(key) not in batch_keys:
                # An error we cannot pin on one record: the whole batch is retried next run.
                return {k: message for k in keys}
            rejected[str(key)] = message
        return rejected


class GainsightResource(dg.ConfigurableResource):
    """Gainsight base URL and access key (`GAINSIGHT_*` as `EnvVar`s), object and limits.

    Unconfigured (no base URL or key) means "write to the local outbox instead".
    """

    base_url: str | None = None
    access_key: str | None = None
    object_name: str = Field(default="customer_usage_subscription_monthly__gc")
    batch_size: int = MAX_BATCH
    calls_per_minute: int = 100
    timeout_seconds: float = 60.0
    max_attempts: int = 6
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 120.0

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.access_key)

    def destination(
        self,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> GainsightDestination:
        limiter = RateLimiter(self.calls_per_minute, 60.0, clock=clock, sleep=sleep)
        policy = RetryPolicy(
            max_attempts=self.max_attempts,
            base_delay=self.backoff_seconds,
            max_delay=self.max_backoff_seconds,
            sleep=sleep,
        )
        session = GainsightSession(limiter, policy, timeout=self.timeout_seconds)
        return GainsightDestination(self.base_url, self.access_key, self.object_name, session, self.batch_size)
