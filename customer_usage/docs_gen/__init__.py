"""Documentation generated from the model and the warehouse (ERD, integration challenges).

Generated files live in docs/ and are checked by tests, so they cannot drift from the code.
"""
