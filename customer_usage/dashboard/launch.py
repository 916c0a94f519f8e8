"""Starts the dashboard: `streamlit run` on app.py, bound to loopback by default.

Settings reach the app through the environment it inherits (Settings.from_env()
in the server process), so the dashboard reads the very warehouse `customer-usage
run` builds. Streamlit's usage statistics and file watcher are off.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from customer_usage.settings import Settings

APP = Path(__file__).resolve().with_name("app.py")
DEFAULT_PORT = 8501


def command(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
    ]


def main(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> int:
    """Replace this process with the Streamlit server (Ctrl-C stops it)."""
    settings = Settings.from_env()  # fail here, plainly, on a bad setting
    if settings.is_local and not settings.duckdb_path.exists():
        print(f"note: no warehouse at {settings.duckdb_path} yet; run `make run` first", file=sys.stderr)
    where = settings.duckdb_path if settings.is_local else "Snowflake (SNOWFLAKE_*)"
    print(f"dashboard on http://{host}:{port} reading {where}", flush=True)
    argv = command(port, host)
    os.execv(argv[0], argv)
    return 0  # not reached
