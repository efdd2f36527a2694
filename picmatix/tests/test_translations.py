"""The .po files are the translations' one source: every entry is translated, keeps the msgid's
placeholders, and the compiled .mo beside it says the same (a translator edits the .po by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))

# What must reach the translation untouched: Python's %(name)s / %s / %d, str.format's {name}, and
# HTML tags with their attributes (blocktranslate keeps a template's markup inside the msgid).
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sd]|\{\w*\}|</?[a-zA-Z][^<>]*>")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def translations(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(text for _, text in sorted(entry.msgstr_plural.items()))
    return (entry.msgstr,)


def entry_problems(entry: polib.POEntry) -> list[str]:
    """Why `entry` would show a customer the wrong text; empty when it is fine."""
    name = repr(entry.msgid)
    texts = translations(entry)
    if "fuzzy" in entry.flags:
        return [f"{name}: fuzzy (makemessages' guess, never checked)"]
    if not all(texts):
        return [f"{name}: not translated"]
    if entry.msgid_plural:
        # A plural form may drop the number ("un pedido"), never bring one of its own.
        allowed = set(placeholders(entry.msgid) + placeholders(entry.msgid_plural))
        return [
            f"{name}: {text!r} has {sorted(set(placeholders(text)) - allowed)}"
            for text in texts
            if not set(placeholders(text)) <= allowed
        ]
    if placeholders(texts[0]) != placeholders(entry.msgid):
        return [f"{name}: {texts[0]!r} has {placeholders(texts[0])}, not {placeholders(entry.msgid)}"]
    return []


def compiled_view(entries: list[polib.POEntry] | polib.MOFile) -> dict[tuple[str | None, str], tuple[str, ...]]:
    return {(entry.msgctxt, entry.msgid): translations(entry) for entry in entries if entry.msgid}


def test_there_is_a_spanish_catalogue() -> None:
    assert LOCALE / "es" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(LOCALE)))
def test_every_entry_is_translated_with_its_placeholders(path: Path) -> None:
    problems = [problem for entry in polib.pofile(str(path)) for problem in entry_problems(entry)]
    assert problems == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(LOCALE)))
def test_the_compiled_catalogue_says_what_the_po_file_says(path: Path) -> None:
    mo_path = path.with_suffix(".mo")
    if not mo_path.is_file():
        pytest.fail(f"{mo_path} is missing: run `make messages`")
    source = compiled_view(polib.pofile(str(path)).translated_entries())
    assert compiled_view(polib.mofile(str(mo_path))) == source, "stale .mo: run `make messages`"


def test_the_compiled_catalogue_is_in_use() -> None:
    with translation.override("es"):
        assert translation.gettext("Turn your photo into a painting") == "Convierte tu foto en un cuadro"


def test_it_finds_an_untranslated_entry() -> None:
    assert entry_problems(polib.POEntry(msgid="Gallery", msgstr="")) == ["'Gallery': not translated"]


def test_it_finds_a_fuzzy_entry() -> None:
    entry = polib.POEntry(msgid="Gallery", msgstr="Galería", flags=["fuzzy"])
    assert entry_problems(entry) == ["'Gallery': fuzzy (makemessages' guess, never checked)"]


def test_it_finds_a_placeholder_the_translation_lost() -> None:
    entry = polib.POEntry(msgid="Styles: %(count)d.", msgstr="Estilos: %(count)s.", flags=["python-format"])
    assert entry_problems(entry) == ["'Styles: %(count)d.': 'Estilos: %(count)s.' has ['%(count)s'], not ['%(count)d']"]


def test_it_finds_a_format_field_the_translation_renamed() -> None:
    entry = polib.POEntry(msgid="Hello {name}", msgstr="Hola {nombre}")
    assert entry_problems(entry) == ["'Hello {name}': 'Hola {nombre}' has ['{nombre}'], not ['{name}']"]


def test_it_finds_an_html_tag_the_translation_changed() -> None:
    entry = polib.POEntry(msgid='See <a href="%(url)s">the gallery</a>.', msgstr='Mira <a href="/">la galería</a>.')
    assert len(entry_problems(entry)) == 1


def test_it_lets_a_plural_form_drop_the_number() -> None:
    entry = polib.POEntry(
        msgid="%(count)d order", msgid_plural="%(count)d orders", msgstr_plural={0: "un pedido", 1: "%(count)d pedidos"}
    )
    assert entry_problems(entry) == []


def test_it_finds_a_plural_form_with_a_placeholder_of_its_own() -> None:
    entry = polib.POEntry(
        msgid="%(count)d order", msgid_plural="%(count)d orders", msgstr_plural={0: "%(n)d pedido", 1: "%(count)d"}
    )
    assert entry_problems(entry) == ["'%(count)d order': '%(n)d pedido' has ['%(n)d']"]


def test_a_stale_compiled_catalogue_differs(tmp_path: Path) -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Gallery", msgstr="Galería"))
    po.save_as_mofile(str(tmp_path / "django.mo"))
    po[0].msgstr = "Galería pública"
    assert compiled_view(polib.mofile(str(tmp_path / "django.mo"))) != compiled_view(po.translated_entries())
