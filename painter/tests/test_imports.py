"""The engine is a library someone could pip-install alone: no Django, only torch, Pillow and numpy."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from .conftest import REPO_ROOT

ENGINE = REPO_ROOT / "painter"
ALLOWED = {"torch", "torchvision", "PIL", "numpy"}
# The command line's progress bar, imported when it draws one.
ALLOWED_IN_CLI = {"tqdm"}


def _assert_python_runs(code: str, *, timeout: float) -> None:
    """Run `code` in a fresh interpreter (a clean sys.modules) and fail with its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr


def test_importing_the_engine_and_the_cli_loads_no_django_module() -> None:
    code = (
        "import sys, painter, painter.__main__, painter.pipeline, rendering.__main__\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    _assert_python_runs(code, timeout=120)


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_modules_import_only_torch_pillow_numpy_and_the_standard_library() -> None:
    sources = [p for p in ENGINE.rglob("*.py") if "tests" not in p.relative_to(ENGINE).parts]
    assert len(sources) > 5
    for path in sources:
        allowed = ALLOWED | (ALLOWED_IN_CLI if path.name == "__main__.py" else set())
        foreign = _imported_roots(path) - allowed - set(sys.stdlib_module_names) - {"__future__", "painter"}
        assert not foreign, f"{path.relative_to(ENGINE)} imports {sorted(foreign)}"


def test_the_old_command_line_name_imports_only_the_engine() -> None:
    assert _imported_roots(REPO_ROOT / "rendering" / "__main__.py") - set(sys.stdlib_module_names) == {"painter"}


def test_recipes_and_errors_import_without_torch() -> None:
    # The web tier validates recipes (styles/recipes.py) and need not install torch.
    code = (
        "import sys\n"
        "from painter import PRESETS, Recipe, RecipeError, recipe_preset\n"
        "Recipe.from_dict(recipe_preset('seed').to_dict())\n"
        "assert 'torch' not in sys.modules and 'PIL' not in sys.modules, 'the recipe module loaded torch or PIL'\n"
    )
    _assert_python_runs(code, timeout=60)
