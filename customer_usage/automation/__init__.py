"""automation of the customer_usage platform."""
