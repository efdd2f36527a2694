"""Ship the project-level templates/ and locale/ inside the wheel's picmatix package.

Everything else is declared in pyproject.toml. The two folders stay at the top of the repository
(where Django's makemessages, the docs and every branch expect them) and settings.py reads them
from there in a checkout or an editable install; a built wheel has no repository around it, so they
are copied to picmatix/templates and picmatix/locale, where settings.py looks first. The Spanish
catalogue is compiled here (polib, a build requirement), so the wheel needs no gettext tools.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithSiteFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads templates/ and locale/ from the checkout itself
        target = Path(self.build_lib) / "picmatix"
        shutil.copytree(ROOT / "templates", target / "templates", dirs_exist_ok=True)
        import polib  # type: ignore[import-untyped]  # a build requirement, needed only here

        for po_file in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"):
            out = target / "locale" / po_file.relative_to(ROOT / "locale")
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(po_file, out)
            polib.pofile(str(po_file)).save_as_mofile(str(out.with_suffix(".mo")))


setup(cmdclass={"build_py": BuildWithSiteFiles})
