"""Company names shortened the way Japanese tables do when a column is narrow.

"株式会社" takes eight cells: in a 20-cell column it leaves room for six characters of the
name a CSM actually reads. Japanese lists write the legal form as one sign (㈱, ㈲) or a
bracketed character ((同)) instead. Display only: the stored name never changes, and a name
that fits is shown as written.
"""

from __future__ import annotations

from typing import Final

from rich.cells import cell_len

LEGAL_FORMS: Final[tuple[tuple[str, str], ...]] = (
    ("株式会社", "㈱"),
    ("有限会社", "㈲"),
    ("合同会社", "(同)"),
)


def short_company(name: str, width: int) -> str:
    """``name`` with its legal form abbreviated when it is wider than ``width`` cells.

    Only a prefix or suffix is abbreviated (a legal form in the middle of a name is part
    of it), along with the space that may separate it from the name.
    """
    if cell_len(name) <= width:
        return name
    for long, short in LEGAL_FORMS:
        if name.startswith(long) and len(name) > len(long):
            return short + name[len(long) :].lstrip(" 　")
        if name.endswith(long) and len(name) > len(long):
            return name[: -len(long)].rstrip(" 　") + short
    return name
