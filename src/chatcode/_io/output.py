"""Writing files safely: atomically, never over an existing file without ``force``, and
spreadsheet text always as text (never as a formula).

A message like ``=HYPERLINK(...)``, ``+43 660 ...``, ``-1`` or ``@SUM(A1)`` is written to a
workbook as an inline string cell, so Excel shows it literally and never evaluates it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode.errors import ChatcodeError, Location

__all__ = ["atomic_dir", "atomic_file", "check_writable", "excel_cell_value", "write_workbook"]


def check_writable(path: Path, *, force: bool) -> None:
    """Raise when ``path`` exists and ``force`` is not given."""
    if path.exists() and not force:
        raise ChatcodeError(
            "the output already exists and would be overwritten",
            where=Location(path),
            hint="choose another name, or add --force (force=True) to replace it",
        )
    if not path.parent.exists():
        raise ChatcodeError("the folder to write into does not exist",
                            where=Location(path.parent), hint="create it first")


@contextlib.contextmanager
def atomic_file(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    If the block fails, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    check_writable(path, force=force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it takes the place of ``path``."""
    path = Path(path)
    check_writable(path, force=force)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def excel_cell_value(value: object) -> object:
    """A value openpyxl can store: NA -> None, numpy scalars -> Python, aware times -> naive."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp, dt.datetime)) and value.tzinfo is not None:
        raise TypeError("write aware datetimes as ISO text (chatcode.timestamps.to_iso)")
    return value


def write_workbook(
    path: str | Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write DataFrames as sheets of one .xlsx workbook, atomically; text stays text.

    Columns of aware datetimes must be converted to text before (ISO 8601 with offset).
    ``progress`` is called with the number of rows written so far (for progress bars).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        wb = Workbook(write_only=True)
        bold = Font(bold=True)
        done = 0
        for name, df in sheets.items():
            ws = wb.create_sheet(title=name)
            header = []
            for col in df.columns:
                cell = WriteOnlyCell(ws, value=str(col))
                cell.data_type = "s"
                cell.font = bold
                header.append(cell)
            ws.append(header)
            ws.freeze_panes = "A2"
            for values in df.itertuples(index=False, name=None):
                row = []
                for v in values:
                    v = excel_cell_value(v)
                    cell = WriteOnlyCell(ws, value=v)
                    if isinstance(v, str):
                        cell.data_type = "s"  # never a formula
                    row.append(cell)
                ws.append(row)
                done += 1
                if progress is not None and done % 5000 == 0:
                    progress(done)
        wb.save(tmp)
    return path
