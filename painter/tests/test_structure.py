"""The engine reads top-down: the Gatys pass meets no device branch (the speed work answers for each
device behind painter.speed's seam), and no module reaches into another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO_ROOT

ENGINE = REPO_ROOT / "painter"
# The modules a reader of the algorithm follows: the pass, what it optimises, the render around it.
ALGORITHM = ("transfer.py", "losses.py", "lbfgs.py", "pipeline.py", "score.py", "vgg.py")


def _sources(root: Path = ENGINE) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "tests" not in p.relative_to(root).parts)


def _engine_modules(root: Path = ENGINE) -> set[str]:
    return {p.stem for p in _sources(root)} | {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}


def private_imports(path: Path, modules: set[str]) -> list[str]:
    """``from .x import _name`` and ``x._name`` (x an engine module) in ``path``, as ``line: text``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            found += [f"{node.lineno}: import {a.name}" for a in node.names if _private(a.name)]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _private(node.attr)
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def device_branches(path: Path) -> list[int]:
    """Lines of ``path`` that read a device's type (``device.type``, ``dev.type``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "type"
        and isinstance(node.value, ast.Name)
        and node.value.id in {"device", "dev"}
    ]


def test_no_engine_module_imports_another_modules_private_names() -> None:
    modules = _engine_modules()
    found = {str(p.relative_to(ENGINE)): private_imports(p, modules) for p in _sources()}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_gatys_pass_and_the_render_around_it_branch_on_no_device() -> None:
    found = {name: device_branches(ENGINE / name) for name in ALGORITHM}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_speed_work_lives_in_a_package_of_its_own() -> None:
    assert (ENGINE / "speed" / "__init__.py").is_file()
    assert not [
        name
        for name in ("convpath", "winograd", "tuning", "memory", "graphs", "backprop")
        if (ENGINE / f"{name}.py").exists()
    ]
