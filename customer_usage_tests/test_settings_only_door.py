"""`Settings` (customer_usage/settings.py) is the only reader of `CUSTOMER_USAGE_*` variables.

Every other module receives the settings it needs. Setting such a variable for a
child process (dbt reads some through `env_var()`) is fine; reading one is not.
The scan reads the source text of customer_usage/ and benchmarks/.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [ROOT / "customer_usage", ROOT / "benchmarks"]
ALLOWED = {ROOT / "customer_usage" / "settings.py"}


def _names_of_variables(tree: ast.AST) -> set[str]:
    """Module names bound to a `CUSTOMER_USAGE_*` string (e.g. `LANDING_ENV = "CUSTOMER_USAGE_..."`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str) and node.value.value.startswith("CUSTOMER_USAGE_"):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _is_variable(node: ast.AST, names: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("CUSTOMER_USAGE_")
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return _is_variable(first, names) if first is not None else False
    return isinstance(node, ast.Name) and node.id in names


def _reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = _names_of_variables(tree)
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("get", "getenv", "pop") and _is_variable(node.args[0], names):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_variable(node.slice, names):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In) for op in node.ops):
            if _is_variable(node.left, names):
                key = node.left
        if key is not None:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_settings_reads_customer_usage_variables():
    offenders = [
        read
        for folder in SCANNED
        for path in sorted(folder.rglob("*.py"))
        if path not in ALLOWED
        for read in _reads(path)
    ]
    assert offenders == [], "read CUSTOMER_USAGE_* through Settings (customer_usage/settings.py): " + ", ".join(offenders)


def test_the_scan_finds_a_read(tmp_path):
    """The scan is not vacuous: each way of reading a variable is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "VAR = 'CUSTOMER_USAGE_X'\n"
        "a = os.environ.get('CUSTOMER_USAGE_A')\n"
        "b = os.environ[VAR]\n"
        "c = os.getenv('CUSTOMER_USAGE_C')\n"
        "os.environ['CUSTOMER_USAGE_D'] = '1'\n"  # setting for a child process: allowed
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert [r.split(":")[1] for r in _reads(sample)] == ["3", "4", "5"]
    finally:
        ROOT = saved
