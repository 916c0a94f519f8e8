"""The local stand-in for a destination: what would have been sent, kept for reading.

Without credentials an export still runs its diff and writes the records it
would send (with the field names of its mapping, so the outbox shows the real payload) to `export_outbox.<export>` (replaced each run: the latest batch) and
to `<data folder>/outbox/<export>.jsonl`, so the README's main command shows the
exact payloads, and a second run with no change shows an empty batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from customer_usage.warehouse import Warehouse

OUTBOX_SCHEMA = "export_outbox"


class OutboxDestination:
    name = "outbox"

    def __init__(self, warehouse: Warehouse, export: str, folder: Path):
        self.warehouse = warehouse
        self.export = export
        self.folder = Path(folder)
        self.path = self.folder / f"{export}.jsonl"

    def send(self, records: list[dict[str, Any]], key_field: str, fields: list[str]) -> dict[str, str]:
        frame = pd.DataFrame(records, columns=fields)
        self.warehouse.write_df(frame, OUTBOX_SCHEMA, self.export)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":")) + "\n")
        tmp.replace(self.path)
        return {}

    def delete(self, keys: list[str], key_field: str) -> dict[str, str]:
        """Removed rows an export deletes: `<export>.deleted.jsonl` (the latest run's keys)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.export}.deleted.jsonl"
        path.write_text("".join(json.dumps({key_field: k}) + "\n" for k in keys), encoding="utf-8")
        return {}

    def describe(self) -> dict[str, Any]:
        return {"outbox_table": f"{OUTBOX_SCHEMA}.{self.export}", "outbox_file": str(self.path)}
