"""The Dagster UI loads the code location and draws the asset graph.

Starts `dagster-webserver` on a free local port with a throwaway DAGSTER_HOME,
checks through GraphQL that the code location loaded, then opens the global
asset graph in Debian's headless Chromium (never a downloaded browser) and
looks for the source groups and marts on the page. A screenshot is left in the
test's tmp folder. Every process started here is stopped by process group.
"""

from __future__ import annotations

import json
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
from customer_usage_tests.browser import headless_page, needs_chromium
from customer_usage_tests.helpers import free_port, local_settings

STARTUP_TIMEOUT_S = 240
CODE_LOCATION = ["-m", "customer_usage.definitions"]

LOCATION_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
        }
      }
    }
  }
}
"""


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _log_tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    """Stop the webserver and the code server it spawned: the whole process group."""
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_until_loaded(url: str, proc: subprocess.Popen, log: Path) -> list[dict]:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {proc.returncode}:\n{_log_tail(log)}")
        try:
            data = _graphql(url, LOCATION_QUERY)["data"]["workspaceOrError"]
            entries = data.get("locationEntries") or []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return entries
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, TypeError):
            pass
        time.sleep(1)
    pytest.fail(f"dagster-webserver did not load the code location in {STARTUP_TIMEOUT_S}s:\n{_log_tail(log)}")


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dagster_ui")
    (tmp / "landing").mkdir()
    home = tmp / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "webserver.log"
    env = {**os.environ, **local_settings(tmp), "DAGSTER_HOME": str(home)}
    webserver_bin = Path(sys.executable).with_name("dagster-webserver")
    with open(log, "w") as log_file:
        proc = subprocess.Popen(
            [str(webserver_bin), "-h", "127.0.0.1", "-p", str(port), *CODE_LOCATION],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so _stop reaches the code server too
        )
    try:
        entries = _wait_until_loaded(url, proc, log)
        yield {"url": url, "entries": entries, "tmp": tmp, "log": log}
    finally:
        _stop(proc)


def _location_errors(entries: list[dict]) -> list[str]:
    return [
        f"{e['name']}: {e['locationOrLoadError'].get('message')}"
        for e in entries
        if e["locationOrLoadError"]["__typename"] != "RepositoryLocation"
    ]


def test_code_location_loads_without_errors(webserver):
    """The code server imports `customer_usage.definitions`, builds `defs` and ships the snapshot."""
    errors = _location_errors(webserver["entries"])
    assert not errors, f"code location failed to load: {errors}"


def _dismiss_first_visit_dialog(page) -> None:
    """The 'Join the Dagster community' dialog covers the graph on a fresh DAGSTER_HOME."""
    dialog = page.get_by_text("Join the Dagster community", exact=False)
    try:
        dialog.first.wait_for(state="visible", timeout=5000)
    except Exception:
        return  # not shown (the instance remembers it was skipped)
    for label in ("Skip", "Dismiss", "Close", "Not now"):
        button = page.get_by_role("button", name=label)
        if button.count():
            button.first.click()
            break
    else:
        page.keyboard.press("Escape")
    dialog.first.wait_for(state="hidden", timeout=10_000)


@pytest.fixture(scope="module")
def browser_page(webserver):
    """One headless Chromium (Debian's, never a downloaded one) for the module's pages."""
    if _location_errors(webserver["entries"]):
        pytest.fail("the code location did not load, so there is no graph to draw: " + "; ".join(
            _location_errors(webserver["entries"])))
    with headless_page(1600, 1000) as page:
        yield page


def _label(name: str) -> re.Pattern:
    """A node label: the name, or the UI's middle-truncated form (`dim_billi…_account`)."""
    head, tail = re.escape(name[:4]), re.escape(name[-4:])
    return re.compile(rf"^\s*(?:{re.escape(name)}|{head}\S*…\S*{tail})\s*$")


def _open_graph(page, url: str, expected: list[str], screenshot: Path):
    """Open `url` and wait until every expected label is drawn as a graph node; returns the nodes."""
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    _dismiss_first_visit_dialog(page)
    graph = page.locator("svg foreignObject")  # graph nodes, not the sidebar or breadcrumbs
    try:
        for name in expected:
            graph.get_by_text(_label(name)).first.wait_for(state="visible", timeout=60_000)
    except Exception as exc:
        raise AssertionError(f"{url}: {exc} (screenshot: {screenshot})") from exc
    finally:
        page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000, f"empty screenshot {screenshot}"
    return graph


@needs_chromium
def test_global_asset_graph_shows_every_source_system_and_layer(webserver, browser_page):
    """Groups: one per source system, one per dbt layer."""
    from customer_usage.sources.contract import SYSTEMS

    expected = [*SYSTEMS, "staging", "intermediate", "marts"]
    graph = _open_graph(browser_page, f"{webserver['url']}/asset-groups", expected,
                        webserver["tmp"] / "global_asset_graph.png")
    missing = [group for group in expected if not graph.get_by_text(_label(group)).count()]
    assert not missing, f"groups not drawn: {missing}"


@needs_chromium
@pytest.mark.parametrize(
    "mart, upstream",
    [
        ("dim_crm_account", ["sfdc", "account", "staging", "stg_sfdc__account"]),
        ("dim_billing_account", ["zuora", "account", "staging", "stg_zuora__account"]),
    ],
)
def test_mart_lineage_page_draws_the_path_from_the_source(webserver, browser_page, mart, upstream):
    url = f"{webserver['url']}/assets/marts/{mart}?view=lineage&lineageScope=upstream&lineageDepth=6"
    graph = _open_graph(browser_page, url, [mart, *upstream], webserver["tmp"] / f"lineage_{mart}.png")
    missing = [name for name in [mart, *upstream] if not graph.get_by_text(_label(name)).count()]
    assert not missing, f"not drawn upstream of {mart}: {missing}"
