"""customer_usage: a Dagster data platform for customer product usage."""
