"""Every user-facing string has a Spanish translation that is actually used."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES"


def entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry, joining continued string lines."""
    result = []
    for block in po_text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        strings: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgstr|msgid_plural|msgstr\[\d\]) "(.*)"$', line)
            if match:
                key = match.group(1)
                strings[key] = match.group(2)
            elif line.startswith('"') and key:
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            msgstr = strings.get("msgstr", strings.get("msgstr[0]", ""))
            result.append((strings["msgid"], msgstr, fuzzy))
    return result


def test_the_spanish_catalogue_is_complete() -> None:
    found = entries((LOCALE / "django.po").read_text())
    assert len(found) > 50
    missing = [msgid for msgid, msgstr, fuzzy in found if not msgstr or fuzzy]
    assert missing == []


def test_the_compiled_catalogue_is_in_use() -> None:
    with translation.override("es"):
        assert translation.gettext("Turn your photo into a painting") == "Convierte tu foto en un cuadro"
