"""Each dbt step logs how dbt parsed and what it ran, read from the step's own dbt log."""

from __future__ import annotations

import json

from customer_usage.dbt.step_report import parse_line, read_step


def _log(path, *events):
    lines = [json.dumps({"info": {"name": name, "msg": msg, "ts": ts}, "data": {}}) for name, msg, ts in events]
    (path / "dbt.log").write_text("\n".join(["not json: a text line is skipped", *lines]) + "\n")


def _results(path, *unique_ids):
    (path / "run_results.json").write_text(json.dumps({"results": [{"unique_id": u} for u in unique_ids]}))


def test_a_full_reparse_is_reported_with_dbts_reason(tmp_path):
    _log(tmp_path,
         ("MainReportVersion", "Running with dbt=1.11.16", "2026-12-07T23:19:08.000000Z"),
         ("UnableToPartialParse", "Unable to do partial parsing because profile has changed", "2026-12-07T23:19:12Z"),
         ("FoundStats", "Found 59 models, 324 data tests", "2026-12-07T23:19:34.500000Z"))
    _results(tmp_path, "model.p.a", "model.p.b", "test.p.unique_a", "seed.p.s")
    report = read_step(tmp_path)
    assert report.full_parse and report.reason == "profile has changed"
    assert report.parse_s == 26.5 and (report.models, report.tests) == (2, 1)
    assert parse_line("ignored prefix " + report.line()) == {"full_parse": True, "parse_s": 26.5, "models": 2, "tests": 1}


def test_a_partial_parse_and_a_run_cut_short(tmp_path):
    _log(tmp_path,
         ("MainReportVersion", "Running with dbt=1.11.16", "2026-12-07T23:20:50Z"),
         ("FoundStats", "Found 59 models", "2026-12-07T23:20:52Z"))
    (tmp_path / "run_results.json").write_text('{"results": [')  # dbt killed while writing
    report = read_step(tmp_path)
    assert not report.full_parse and report.parse_s == 2.0 and report.tests == 0
    assert parse_line(report.line())["full_parse"] is False
    assert parse_line("Finished dbt command") is None


def test_no_log_no_report(tmp_path):
    assert read_step(tmp_path) is None
