"""Self-service analysis: a Streamlit app over the marts (Customer 360, usage trends,
integration health). `customer-usage dashboard` (or `make dashboard`) starts it."""
