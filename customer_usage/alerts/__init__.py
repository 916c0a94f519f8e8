"""Operator alerts: a short Slack-compatible message to a webhook when something needs a human."""

from customer_usage.alerts.webhook import ALERT_WEBHOOK_ENV, post_alert

__all__ = ["ALERT_WEBHOOK_ENV", "post_alert"]
