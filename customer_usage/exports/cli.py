"""`customer-usage export --dry-run [--export NAME]`: what the next export run would do.

Real exports run in Dagster (`export_job`, started by the sensor when the mart
refreshes), where credentials are resolved and runs are recorded; the command
line only previews them.
"""

from __future__ import annotations

import json


def add_export(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="preview the exports: counts to insert/update/clear-or-delete/leave and a JSONL preview",
        description="Dry run of the exports against the current sync tables and sync state: prints per "
        "export the rows it would insert, update, clear or delete, and leave, and writes the first rows "
        "of each kind to <data folder>/export_preview/<export>.jsonl. Sends nothing, changes no state.",
    )
    p.add_argument("--dry-run", action="store_true", required=True,
                   help="required: real exports run in Dagster (export_job)")
    p.add_argument("--export", action="append", default=[], metavar="NAME",
                   help="only this export (repeatable), e.g. salesforce_account_usage")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=run_export_command)


def run_export_command(args) -> int:
    from customer_usage.exports.definitions import export_policy, preview_dir
    from customer_usage.exports.mapping import MAPPINGS_DIR, load_mappings
    from customer_usage.exports.preview import dry_run, format_summary
    from customer_usage.settings import Settings
    from customer_usage.warehouse import warehouse_resource_for

    settings = Settings.from_env()
    mappings = load_mappings(settings.export_mappings_dir or MAPPINGS_DIR)
    with warehouse_resource_for(settings).connect() as wh:
        summary = dry_run(wh, mappings, export_policy(settings), preview_dir(settings), args.export)
    if args.json:
        print(json.dumps({name: {k: v for k, v in counts.items() if k != "preview"}
                          for name, counts in summary.items()}, indent=2))
    else:
        print(format_summary(summary))
    return 0
