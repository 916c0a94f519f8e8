"""Salesforce: Bulk API 2.0 upserts through `simple-salesforce`, keyed on an External ID.

One ingest job per `job_size` records (create job, upload CSV, close, poll),
then the job's failed and unprocessed results say which rows Salesforce
rejected; those are reported back by key and retried on the next run. A job
that fails as a whole (or an HTTP error that outlives the retries) marks all of
its rows failed: upserts are idempotent, so re-sending them is safe.

Login: SOAP username + password + security token, at `SFDC_INSTANCE_URL` (a My
Domain URL) when set, else at `https://<SFDC_DOMAIN or login>.salesforce.com`.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any, Callable

import dagster as dg
import requests
from pydantic import Field
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.login import SalesforceLogin

from customer_usage.exports.http import RetryingSession, RetryPolicy

SALESFORCE_NULL = "#N/A"  # Bulk API CSV: an empty cell means "leave as is", #N/A means "set to null"


def csv_value(value: Any) -> str:
    if value is None:
        return SALESFORCE_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SalesforceBulkDestination:
    name = "salesforce"

    def __init__(
        self,
        sf: Salesforce,
        object_name: str,
        external_id_field: str,
        job_size: int = 10_000,
        poll_seconds: float = 5.0,
    ):
        self.sf = sf
        self.object_name = object_name
        self.external_id_field = external_id_field
        self.job_size = job_size
        self.poll_seconds = poll_seconds
        self.jobs: list[str] = []

    def send(self, records: list[dict[str, Any]], key_field: str, fields: list[str]) -> dict[str, str]:
        failures: dict[str, str] = {}
        handler = getattr(self.sf.bulk2, self.object_name)
        for start in range(0, len(records), self.job_size):
            chunk = records[start : start + self.job_size]
            rows = [{f: csv_value(r.get(f)) for f in fields} for r in chunk]
            chunk_keys = [str(r[key_field]) for r in chunk]
            try:
                results = handler.upsert(records=rows, external_id_field=key_field, wait=self.poll_seconds)
                for result in results:
                    self.jobs.append(result["job_id"])
                    failures.update(self._rejected(handler, result["job_id"], key_field))
            except (SalesforceError, requests.RequestException, ValueError) as exc:
                message = f"{type(exc).__name__}: {exc}"[:1000]
                failures.update({k: message for k in chunk_keys})
        return failures

    def _rejected(self, handler, job_id: str, key_field: str) -> dict[str, str]:
        rejected: dict[str, str] = {}
        for row in csv.DictReader(io.StringIO(handler.get_failed_records(job_id))):
            rejected[row[key_field]] = row.get("sf__Error") or "failed without an error message"
        for row in csv.DictReader(io.StringIO(handler.get_unprocessed_records(job_id))):
            rejected[row[key_field]] = f"unprocessed: job {job_id} ended before this row was processed"
        return rejected


class SalesforceResource(dg.ConfigurableResource):
    """Salesforce credentials (`SFDC_*` as `EnvVar`s) and where to upsert.

    Unconfigured (no username) means "write to the local outbox instead".
    """

    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    domain: str | None = Field(default=None, description="login, test or a My Domain prefix")
    instance_url: str | None = Field(default=None, description="https://<my-domain>.my.salesforce.com")
    object_name: str = Field(default="Account", description="sObject to upsert into")
    external_id_field: str | None = Field(
        default=None,
        description="External ID field the upsert matches on; default: the key field of the export's field mapping",
    )
    api_version: str = "59.0"
    job_size: int = 10_000
    poll_seconds: float = 5.0
    timeout_seconds: float = 60.0
    max_attempts: int = 6
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 120.0

    @property
    def configured(self) -> bool:
        return bool(self.username and self.password and self.security_token is not None)

    def session(self, sleep: Callable[[float], None] = time.sleep) -> RetryingSession:
        policy = RetryPolicy(
            max_attempts=self.max_attempts,
            base_delay=self.backoff_seconds,
            max_delay=self.max_backoff_seconds,
            sleep=sleep,
        )
        return RetryingSession(policy, timeout=self.timeout_seconds)

    def connect(self, session: requests.Session) -> Salesforce:
        login_url = self.instance_url.rstrip("/") if self.instance_url else None
        session_id, instance = SalesforceLogin(
            username=self.username,
            password=self.password,
            security_token=self.security_token,
            domain=self.domain,
            session=session,
            sf_version=self.api_version,
            scratch_url=login_url,
        )
        return Salesforce(session_id=session_id, instance=instance, session=session, version=self.api_version)

    def destination(self, sleep: Callable[[float], None] = time.sleep) -> SalesforceBulkDestination:
        session = self.session(sleep)
        destination = SalesforceBulkDestination(
            self.connect(session),
            object_name=self.object_name,
            external_id_field=self.external_id_field or "Id",
            job_size=self.job_size,
            poll_seconds=self.poll_seconds,
        )
        destination.session = session
        return destination
