"""Write a table as CSV or Parquet, atomically (a temporary name, then a rename)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def write_table(table: pd.DataFrame, path: Path) -> Path:
    """Write ``table`` to ``path`` (format from the suffix) via a temporary file and rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if path.suffix == ".parquet":
        table.to_parquet(tmp, index=False)
    elif path.suffix == ".csv":
        table.to_csv(tmp, index=False)
    else:
        raise ValueError(f"unknown table format {path.suffix!r}")
    os.replace(tmp, path)
    return path
