"""exports of the customer_usage platform."""
