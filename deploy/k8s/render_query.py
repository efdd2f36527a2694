"""Write the render workers' KEDA query into the manifests, from the one definition in the code.

    .venv/bin/python deploy/k8s/render_query.py           # rewrite base/render-demand-query.yaml
    .venv/bin/python deploy/k8s/render_query.py --check   # exit 1 if the file and the code differ

KEDA's PostgreSQL trigger must count exactly what /metrics and the queue page count
(orders.selectors.RENDER_DEMAND_SQL), so the manifest never holds a second copy written by hand:
run this after changing the query (picmatix/tests/test_k8s.py fails until it is run).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATCH = Path(__file__).resolve().parent / "base" / "render-demand-query.yaml"
SELECTORS = ROOT / "orders" / "selectors.py"


def patch_text(query: str) -> str:
    """A kustomize JSON patch that sets the ScaledObject's query (a JSON string is valid YAML)."""
    return (
        "# Written by deploy/k8s/render_query.py from orders.selectors.RENDER_DEMAND_SQL: do not edit by\n"
        "# hand, run `.venv/bin/python deploy/k8s/render_query.py` after changing the query.\n"
        "- op: add\n"
        "  path: /spec/triggers/0/metadata/query\n"
        f"  value: {json.dumps(query)}\n"
    )


def code_query() -> str:
    """RENDER_DEMAND_SQL as orders/selectors.py writes it, read without importing Django or the apps
    (a literal, so this runs before any settings exist; the test compares it with the import)."""
    tree = ast.parse(SELECTORS.read_text(), filename=str(SELECTORS))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "RENDER_DEMAND_SQL" for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise SystemExit(f"{SELECTORS.relative_to(ROOT)}: RENDER_DEMAND_SQL is not a plain string literal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    wanted = patch_text(code_query())
    current = PATCH.read_text() if PATCH.exists() else ""
    if args.check:
        if current != wanted:
            print(f"{PATCH.relative_to(ROOT)} is out of date: run deploy/k8s/render_query.py", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        PATCH.write_text(wanted)
        print(f"wrote {PATCH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
