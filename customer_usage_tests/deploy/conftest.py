"""Markers of the deployment tests."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "daemon: starts the real Dagster daemon; several minutes (deselect with -m 'not daemon')"
    )
