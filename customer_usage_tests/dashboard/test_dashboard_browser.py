"""The dashboard as a user sees it: a real `customer-usage dashboard` process on the
hand-made warehouse (analysis_data.py), opened in Debian's headless Chromium.

One server and one browser for the module; the server runs in its own process
group and the whole group is stopped afterwards. Screenshots are left in the
module's tmp folder.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from customer_usage.settings import PROJECT_ROOT
from customer_usage_tests.analysis_data import ACME, GLOBEX
from customer_usage_tests.browser import headless_page, needs_chromium
from customer_usage_tests.helpers import free_port

# drawn and idle: the script finished (no status widget) and every element is rendered (no skeleton)
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=\"stSkeleton\"]')"
STARTUP_TIMEOUT_S = 120
PAGE_TIMEOUT_MS = 90_000

pytestmark = needs_chromium


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait_s)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def dashboard(analysis_warehouse, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dashboard")
    port = free_port()
    log = tmp / "dashboard.log"
    cli = Path(sys.executable).with_name("customer-usage")
    with open(log, "w") as out:
        proc = subprocess.Popen([str(cli), "dashboard", "--port", str(port)], cwd=PROJECT_ROOT,
                                env={**os.environ, **analysis_warehouse, "HOME": str(tmp)},
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not answer in {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "tmp": tmp, "proc": proc}
    finally:
        _stop(proc)
    assert proc.poll() is not None, "the dashboard process is still running"


@pytest.fixture(scope="module")
def page(dashboard):
    with headless_page(1400, 1800) as page:
        yield page


def _open(page, url: str, wait_for_text: str, screenshot: Path) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
    try:
        page.get_by_text(wait_for_text, exact=False).first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(IDLE,
                               timeout=PAGE_TIMEOUT_MS)
    finally:
        page.screenshot(path=str(screenshot), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:3000]


def _table(page, column: str) -> list[list[str]]:
    """The HTML table whose header has `column`, as rows of cell texts (header first); waits for it
    (Streamlit sends a page's elements one by one)."""
    find = """column => [...document.querySelectorAll('table')].map(t =>
        [...t.querySelectorAll('tr')].map(r => [...r.querySelectorAll('th,td')].map(c => c.innerText.trim())))
        .find(rows => rows.length && rows[0].includes(column)) || null"""
    page.wait_for_function(find, arg=column, timeout=PAGE_TIMEOUT_MS)
    return page.evaluate(find, column)


def test_customer_360_shows_the_known_account(dashboard, page):
    _open(page, f"{dashboard['url']}/?q={ACME}", "Monthly usage", dashboard["tmp"] / "customer_360.png")
    metric = page.locator('[data-testid="stMetric"]', has_text="Paid subscriptions")
    assert re.search(r"Paid subscriptions\s+5\b", metric.inner_text()), metric.inner_text()
    usage = _table(page, "umau_28_days_user")
    header = usage[0]
    july = [r for r in usage[1:] if r[header.index("snapshot_month")] == "2026-07"
            and r[header.index("subscription_name")] == "o_sm1"]
    assert len(july) == 1 and july[0][header.index("umau_28_days_user")] == "12", usage
    body = page.inner_text("body")
    assert "@" not in body  # no e-mail address anywhere (the landing data has them)
    assert "Acme" in body and "paid" in body


@pytest.mark.parametrize("account, users, share, color, score", [
    (GLOBEX, "9", "50%", "Green", "88"),  # O_SM4's primary installation: 9 of 18 billable users ran CI pipelines
    (ACME, "3", "6%", "Red", "25"),  # O_SM1's primary installation: 3 of 48 (its staging server not counted)
])
def test_customer_360_answers_ci_users_last_month_and_their_health(dashboard, page, account, users, share, color,
                                                                    score):
    _open(page, f"{dashboard['url']}/?q={account}", "Last month at a glance",
          dashboard["tmp"] / f"glance_{account}.png")
    assert "Last month at a glance (2026-10)" in page.inner_text("body")
    metric = page.locator('[data-testid="stMetric"]', has_text="Users who ran CI pipelines in 2026-10")
    assert metric.inner_text().split()[-1] == users, metric.inner_text()
    share_metric = page.locator('[data-testid="stMetric"]', has_text="Share of their billable users")
    assert share_metric.inner_text().split()[-1] == share, share_metric.inner_text()
    verdict = page.locator('[data-testid="stMarkdown"]', has_text="Account CI health").first
    assert re.search(rf"Account CI health:\s*{color}\s*\(score {score}\)", verdict.inner_text()), verdict.inner_text()
    badge = verdict.locator("span", has_text=color).first
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == {
        "Green": "rgb(205, 236, 207)", "Red": "rgb(248, 208, 208)"}[color]
    assert "Red < 10% · Yellow ≤ 33% · Green otherwise" in page.inner_text("body")  # the CI bands, from the warehouse
    measures = _table(page, "share_of_billable_users")
    header = measures[0]
    ci = next(r for r in measures[1:] if r[header.index("measure")] == "ci")
    assert (ci[header.index("users")], ci[header.index("color")], ci[header.index("score")]) == (users, color, score)


def test_usage_page_draws_its_chart(dashboard, page):
    _open(page, f"{dashboard['url']}/usage_trends", "by deployment and tier", dashboard["tmp"] / "usage.png")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("canvas, svg").first.wait_for(state="attached", timeout=PAGE_TIMEOUT_MS)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_integration_health_shows_coverage(dashboard, page):
    _open(page, f"{dashboard['url']}/integration_health", "Coverage now", dashboard["tmp"] / "integration.png")
    coverage = _table(page, "unmapped_arr")
    header = coverage[0]
    row = next(r for r in coverage[1:] if r[header.index("measure")] == "paid_namespaces_with_order")
    assert row[header.index("numerator")] == "1" and row[header.index("denominator")] == "2"
    body = page.inner_text("body")
    assert "Fixes ranked by ARR at stake" in body and "appears once" not in body


def test_an_unknown_account_is_said_plainly(dashboard, page):
    _open(page, f"{dashboard['url']}/?q=NoSuchCustomer", "matches", dashboard["tmp"] / "unknown.png")
    assert 'No account, namespace or installation matches "NoSuchCustomer"' in page.inner_text("body")
    assert page.locator('[data-testid="stMetric"]').count() == 0
