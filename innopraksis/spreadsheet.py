"""CSV that a spreadsheet opens safely: a cell of text that starts like a formula is written as text.

Excel and others evaluate a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and after a tab or carriage
return), so a student's or an organisation's name could run as a formula on the coordinator's machine. As
OWASP recommends, such a cell gets a leading apostrophe; numbers the portal writes itself stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """The value as a cell that is never read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every text cell goes through ``cell``."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row: Iterable):
        return self.writer.writerow([cell(value) for value in row])


def read_cell(value: str) -> str:
    """A cell as ``cell`` wrote it, read back: the apostrophe before a formula-like start is dropped, so that a
    file the portal wrote (a template, an export) imports as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
