"""`post_alert(text)`: the one way this platform tells a human something went wrong.

The webhook URL is a secret (a Slack incoming-webhook URL grants posting rights),
so it comes from the environment variable `ALERT_WEBHOOK_URL` through a Dagster
`EnvVar`, read when an alert is sent, never at import and never logged. Unset
means alerting is off: the caller's own failure stays visible in the Dagster UI.

The payload is Slack's minimal `{"text": ...}`, which Slack, Mattermost, Rocket.Chat
and Microsoft Teams' Slack-compatible connectors all accept. Callers pass short
operational text only (job, asset, check names, run ids); `redact` strips what
looks like an email address or a URL with credentials as a last line of defence.
"""

from __future__ import annotations

import logging
import re

import dagster as dg
import requests

ALERT_WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
MAX_TEXT_CHARS = 1500
TIMEOUT_SECONDS = 10

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/\s:@]+:[^/\s@]+@")

log = logging.getLogger(__name__)


def redact(text: str) -> str:
    """Remove email addresses and `user:password@` parts of URLs; cap the length."""
    text = _EMAIL.sub("<redacted email>", text)
    text = _URL_CREDENTIALS.sub(r"\1<redacted>@", text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    return text


def webhook_url() -> str | None:
    return dg.EnvVar(ALERT_WEBHOOK_ENV).get_value() or None


def post_alert(text: str, url: str | None = None) -> bool:
    """Post `text` as a Slack-compatible message; True when the webhook accepted it.

    Never raises: an alert that cannot be delivered must not fail the sensor or the
    run that raised it (the failure is logged, without the URL).
    """
    url = url or webhook_url()
    if not url:
        log.info("alert not sent: %s is not set", ALERT_WEBHOOK_ENV)
        return False
    try:
        response = requests.post(url, json={"text": redact(text)}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        log.warning("alert webhook unreachable: %s", type(exc).__name__)
        return False
    if response.status_code >= 300:
        log.warning("alert webhook answered HTTP %s", response.status_code)
        return False
    return True
