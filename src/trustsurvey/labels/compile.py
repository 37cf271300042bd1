"""Compile the ``.po`` catalogues to ``.mo`` with Babel: ``python -m trustsurvey.labels.compile``.

The ``.po`` files are the source (translators edit them); the ``.mo`` files are
what the package reads at run time. Run this after editing a ``.po`` file; the
test suite checks that every ``.mo`` file is what this would write.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from .catalogue import DOMAIN, LOCALE_DIR

__all__ = ["compile_catalogue", "po_files", "main"]


def po_files() -> list[Path]:
    """Every ``.po`` catalogue of the package."""
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogue(po: Path) -> bytes:
    """The ``.mo`` bytes of one ``.po`` file (fuzzy entries left out, as gettext does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        cat = read_po(fh, locale=po.parent.parent.name, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the ``.mo`` file beside every ``.po`` file; print what changed."""
    for po in po_files():
        mo = po.with_suffix(".mo")
        data = compile_catalogue(po)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            print(f"compiled {mo.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
