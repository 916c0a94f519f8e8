"""The `customer-usage generate` command."""

from __future__ import annotations

import pytest

from customer_usage.cli import main


def test_generate_command_writes_and_reports(tmp_path, capsys):
    out = tmp_path / "landing"
    rc = main(["generate", "--scale", "demo", "--seed", "4", "--out", str(out), "--as-of", "2026-06-30",
               "--truth-dir", str(tmp_path / "truth"), "--rate", "crm_id_15_char=0.5"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "version_db/usage_data" in text and str(out) in text
    assert (out / "zuora" / "account.parquet").exists()
    assert (tmp_path / "truth" / "pings.parquet").exists()
    import json
    info = json.loads((tmp_path / "truth" / "rates.json").read_text())
    assert info["as_of"] == "2026-06-30" and info["rates"]["crm_id_15_char"] == 0.5
    import duckdb

    with duckdb.connect() as con:
        hi = con.sql(f"select max(recorded_at) from read_parquet('{out}/version_db/usage_data.parquet')").fetchall()[0][0]
    assert hi.date().isoformat() < "2026-06-30"


def test_bad_arguments_fail_clearly(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--scale", "huge", "--out", str(tmp_path)])
    assert main(["generate", "--out", str(tmp_path / "l"), "--rate", "nope=0.1"]) == 2
    assert "unknown defect rate" in capsys.readouterr().err
    assert main(["generate", "--out", str(tmp_path / "l2"), "--truth-dir", str(tmp_path / "l2" / "gt")]) == 2
