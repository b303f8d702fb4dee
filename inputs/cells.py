"""One cell of a CSV table read as a number, with a one-line error naming file, row and column."""

from __future__ import annotations

import math
from pathlib import Path

from model.errors import InputError


def number(path: Path, row: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{path}: row {row}, column {column}: {text!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise InputError(f"{path}: row {row}, column {column}: {text!r} is not a finite number")
    return value
