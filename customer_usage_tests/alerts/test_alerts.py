"""Alerts reach a Slack-compatible webhook, short, and without secrets or PII.

A local HTTP server plays the webhook; its URL is `ALERT_WEBHOOK_URL`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from customer_usage.alerts import post_alert
from customer_usage.alerts.sensors import alert_on_blocking_check_error, alert_on_run_failure
from customer_usage.alerts.webhook import MAX_TEXT_CHARS
from customer_usage_tests.helpers import environment


class Webhook:
    def __init__(self, status: int = 200):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers["Content-Length"])
                received.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts(self) -> list[str]:
        return [body["text"] for _, body in self.received]


@pytest.fixture
def webhook():
    hook = Webhook()
    with environment(ALERT_WEBHOOK_URL=hook.url):
        yield hook
    hook.server.shutdown()


def test_post_alert_sends_slack_json(webhook):
    assert post_alert("export held back") is True
    assert webhook.received == [("application/json", {"text": "export held back"})]


def test_post_alert_strips_emails_and_url_credentials_and_caps_length(webhook):
    post_alert("user jane.doe@example.com failed at snowflake://svc:hunter2@acct/db " + "x" * 5000)
    (text,) = webhook.texts()
    assert "jane.doe" not in text and "hunter2" not in text
    assert "<redacted email>" in text and "snowflake://<redacted>@acct" in text
    assert len(text) <= MAX_TEXT_CHARS


def test_post_alert_without_a_url_or_with_a_failing_webhook_does_not_raise():
    with environment(ALERT_WEBHOOK_URL=None):
        assert post_alert("nobody listens") is False
    broken = Webhook(status=500)
    try:
        assert post_alert("server error", url=broken.url) is False
        assert broken.texts() == ["server error"]
    finally:
        broken.server.shutdown()
    assert post_alert("closed port", url="http://127.0.0.1:9/hook") is False


@dg.asset
def customer_email_asset():
    raise ValueError("bad row for alice@example.com with password hunter2")


@dg.asset(check_specs=[dg.AssetCheckSpec("crm_coverage", asset="covered_asset", blocking=True)])
def covered_asset():
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="crm_coverage", passed=False, severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"value": 0.5})


@dg.asset(check_specs=[dg.AssetCheckSpec("soft", asset="warned_asset", blocking=True)])
def warned_asset():
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="soft", passed=False, severity=dg.AssetCheckSeverity.WARN)


def test_a_failed_run_posts_its_job_run_and_step_but_not_the_error(webhook):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([customer_email_asset], instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure", dagster_instance=instance, dagster_run=run, dagster_event=failure,
    ).for_run_failure()
    alert_on_run_failure(context)
    (text,) = webhook.texts()
    assert result.run_id in text and "customer_email_asset" in text and run.job_name in text
    assert "alice" not in text and "hunter2" not in text and "ValueError" not in text


def test_a_blocking_check_going_error_posts_once_and_warn_posts_nothing(webhook):
    instance = dg.DagsterInstance.ephemeral()
    dg.materialize([covered_asset], instance=instance, raise_on_error=False)  # before the sensor started
    context = dg.build_sensor_context(instance=instance)
    alert_on_blocking_check_error(context)
    assert webhook.texts() == [], "the first tick starts from now, it does not replay history"

    dg.materialize([warned_asset], instance=instance, raise_on_error=False)
    errored = dg.materialize([covered_asset], instance=instance, raise_on_error=False)
    context = dg.build_sensor_context(instance=instance, cursor=context.cursor)
    alert_on_blocking_check_error(context)
    (text,) = webhook.texts()
    assert "crm_coverage" in text and "covered_asset" in text and errored.run_id in text

    alert_on_blocking_check_error(dg.build_sensor_context(instance=instance, cursor=context.cursor))
    assert len(webhook.texts()) == 1, "an evaluation is alerted once"


def test_the_code_location_runs_both_alert_sensors_by_default(tmp_path):
    from customer_usage.definitions import build_definitions
    from customer_usage.settings import Settings
    from customer_usage_tests.helpers import local_settings

    with environment(**local_settings(tmp_path)):
        defs = build_definitions(Settings.from_env())
    sensors = {s.name: s for s in defs.sensors}
    for name in ("alert_on_run_failure", "alert_on_blocking_check_error"):
        assert sensors[name].default_status == dg.DefaultSensorStatus.RUNNING
