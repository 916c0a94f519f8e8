"""checks of the customer_usage platform."""
