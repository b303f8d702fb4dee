"""Table files read as UTF-8 text, and one cell read as a number, with one-line errors naming
the file, the row and the column."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from model.errors import InputError

# |value| at most this: sums and products of a table's numbers stay finite (GDP in dollars
# is ~1e13; a position or a capability beyond 1e15 is a typo or an overflow)
MAX_MAGNITUDE = 1e15


def read_text(path: Path) -> str:
    """A file's text as UTF-8 (a byte-order mark is dropped); a missing, unreadable or
    non-UTF-8 file raises a one-line InputError naming the line."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{path}: row {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); "
                         "save the file as UTF-8") from None


def read_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    """The rows of a UTF-8 CSV file, blank rows dropped (one-line errors)."""
    text = read_text(path)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"{path}: cannot read as CSV ({exc})") from None
    return [r for r in rows if any(cell.strip() for cell in r)]


def number(path: Path, row: int, column: str, text: str) -> float:
    """A cell as a finite number of magnitude at most :data:`MAX_MAGNITUDE`."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{path}: row {row}, column {column}: {text!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise InputError(f"{path}: row {row}, column {column}: {text!r} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise InputError(f"{path}: row {row}, column {column}: {text[:20]!r} is out of range "
                         f"(at most {MAX_MAGNITUDE:g} in magnitude)")
    return value
