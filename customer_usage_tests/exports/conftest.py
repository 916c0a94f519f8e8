"""Fixtures of the export tests: the fake Salesforce + Gainsight server and scratch sync tables."""

from __future__ import annotations

import pytest

from customer_usage_tests.exports.fake_api import FakeApiServer
from customer_usage_tests.helpers import environment


@pytest.fixture(scope="session")
def fake_api(tmp_path_factory):
    """One HTTPS server for the session; the client trusts its certificate via REQUESTS_CA_BUNDLE."""
    with FakeApiServer(tmp_path_factory.mktemp("fake_api"), timeout_hold_seconds=2.5) as api:
        with environment(REQUESTS_CA_BUNDLE=api.cert_path):
            yield api


@pytest.fixture
def api(fake_api):
    fake_api.reset()
    yield fake_api
    fake_api.reset()
