"""The README's layout table and the tree agree: every top-level folder has its row, every row its folder."""

from __future__ import annotations

import re
from pathlib import Path

from picmatix.tests.test_packaging import ROOT, tracked_files

README = (ROOT / "README.md").read_text()


def layout_table_folders(readme: str) -> set[str]:
    """The folders named in the first cell of each row under "## Layout"."""
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in rows for name in re.findall(r"`([^`/]+)/`", cell)}


def top_level_folders() -> set[str]:
    """Folders of a fresh clone at the top of the repository, hidden ones (.ci) aside."""
    parts = [Path(name).parts for name in tracked_files()]
    return {part[0] for part in parts if len(part) > 1 and not part[0].startswith(".")}


def test_the_layout_table_reads_its_rows() -> None:
    assert {"orders", "browser"} <= layout_table_folders(README)


def test_every_top_level_folder_has_a_row_in_the_layout_table() -> None:
    assert sorted(top_level_folders() - layout_table_folders(README)) == []


def test_every_row_of_the_layout_table_is_a_folder_of_the_tree() -> None:
    assert sorted(layout_table_folders(README) - top_level_folders()) == []
