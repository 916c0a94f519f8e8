"""sources of the customer_usage platform."""
