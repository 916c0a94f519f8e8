"""All documentation generated from the model and the warehouse: the ERD, the integration
challenges, the metrics page (from the metric catalog) and its health-score bands.

Generated files live in docs/ and are checked by tests, so they cannot drift from the code.
Charts the Dagster UI shows at run time live with their assets (customer_usage/dbt/charts.py);
this package reuses their rendering.
"""
