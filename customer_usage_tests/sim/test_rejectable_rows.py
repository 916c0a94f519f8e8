"""The demo's rejectable rows: each lands in quarantine with its reason, nothing else changes."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from customer_usage_sim.core import generate
from customer_usage_sim.rejectable_rows import KINDS
from customer_usage.sources.contract import table_spec
from customer_usage.sources.loader import load_into_duckdb
from customer_usage.warehouse import DuckDBWarehouse


@pytest.fixture(scope="module")
def with_bad_rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("rejectable")
    result = generate(root / "landing", scale="demo", seed=3, truth_dir=root / "truth", rejectable_rows=True)
    return root, result


def test_every_rejectable_row_is_quarantined_with_its_reason(with_bad_rows):
    root, result = with_bad_rows
    expected = pd.read_parquet(result.truth_dir / "rejectable_rows.parquet")
    assert sorted(expected["table"]) == sorted(KINDS)
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        for record in expected.itertuples():
            system, table = record.table.split("/")
            spec = table_spec(system, table)
            loaded = load_into_duckdb(DuckDBWarehouse(con), spec, result.landing_dir)
            assert loaded.rows_quarantined == 1, (record.table, loaded.rejections_by_rule)
            (key, reason), = con.execute(
                f"select id, _rejection_reason from quarantine.{spec.quarantine_table}").fetchall()
            assert key == record.key and record.reason_contains in reason, (record.table, reason)


def test_rejectable_rows_are_extra_rows(with_bad_rows, tmp_path):
    """The same seed without them writes one row fewer in each affected table, no other change."""
    _, result = with_bad_rows
    clean = generate(tmp_path / "landing", scale="demo", seed=3, truth_dir=tmp_path / "truth")
    for table, rows in clean.row_counts.items():
        assert result.row_counts[table] == rows + (1 if table in KINDS else 0), table
    assert not (clean.truth_dir / "rejectable_rows.parquet").exists()
