"""Writing files safely: atomically, never over an existing file without ``force``, and
spreadsheet text always as text (never as a formula).

- *Atomic and exclusive.* A file is written to a temporary name beside the output and then
  appears under its final name in one step. Without ``force`` the final name is created
  exclusively (a hard link, or ``O_EXCL``), so of two writers racing for one new output
  exactly one wins and the other gets a :class:`~chatcode.errors.ChatcodeError`.
- *Workbooks.* A message like ``=HYPERLINK(...)``, ``+43 660 ...``, ``-1`` or ``@SUM(A1)`` is
  written as a string cell, so Excel shows it literally and never evaluates it. Control
  characters Excel cannot store, and carriage returns, are escaped the way Excel itself does
  (``_x000B_``, ``_x000D_``; a literal ``_x000B_`` becomes ``_x005F_x000B_``), so every
  reader of .xlsx files gets the text back exactly. A text longer than Excel's cell limit
  (32,767 characters) is refused with an error naming the cell: it is never cut.
- *CSV.* Every field that needs it is quoted (a lone ``\r`` too). Text cells starting with
  ``= + - @``, a tab or a CR get a leading ``'`` (the OWASP advice against CSV injection) so
  a spreadsheet program never runs them; :data:`formula_guard` (``--raw-csv``) turns this
  off. chatcode's own CSV folders carry a manifest saying so, and reading them undoes it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from chatcode.errors import ChatcodeError, Location

if TYPE_CHECKING:  # pandas and numpy are imported by the functions that take tables, so
    import pandas as pd  # writing a plain file (and starting the command line) needs neither

__all__ = [
    "EXCEL_CELL_LIMIT", "MANIFEST", "atomic_dir", "atomic_file", "check_writable",
    "csv_text", "excel_cell_value", "excel_escape", "excel_text", "formula_guard", "guard_formula",
    "unguard_formula", "write_workbook",
]

#: the most characters an Excel cell holds (and python-calamine reads)
EXCEL_CELL_LIMIT = 32767
#: the file in every folder chatcode writes: who wrote it, and how its CSV files are written
MANIFEST = "chatcode.json"
#: False turns off the leading ' before formula-like CSV cells (the CLI's --raw-csv)
formula_guard: contextvars.ContextVar[bool] = contextvars.ContextVar("formula_guard",
                                                                      default=True)


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def check_writable(path: Path, *, force: bool, folder: bool | None = None) -> None:
    """Raise when ``path`` cannot be written: it exists and ``force`` is not given, it is a
    folder and a file is to be written (``folder=False``) or the other way round
    (``folder=True``), or its folder is missing, a file, or not writable."""
    path = Path(path)
    if path.is_dir() and folder is False:
        raise ChatcodeError(
            "the output names an existing folder, and a file is to be written there",
            where=Location(path), hint="give a file name, e.g. "
            f"{path / ('out' + (path.suffix or '.xlsx'))}")
    if _exists(path) and not force:
        raise ChatcodeError(
            "the output already exists and would be overwritten",
            where=Location(path),
            hint="choose another name, or add --force (force=True) to replace it",
        )
    if folder is True and path.is_file():
        raise ChatcodeError("the output names an existing file, and a folder is to be "
                            "written there", where=Location(path),
                            hint="give a new folder name, or delete the file")
    parent = path.parent
    if not parent.exists():
        raise ChatcodeError("the folder to write into does not exist",
                            where=Location(parent), hint="create it first")
    if not parent.is_dir():
        raise ChatcodeError("the place to write into is a file, not a folder",
                            where=Location(parent), hint="give a path inside a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ChatcodeError("the folder to write into is not writable (no permission)",
                            where=Location(parent),
                            hint="write somewhere you may write, or ask for permission")


def _write_error(exc: OSError, path: Path) -> ChatcodeError:
    reason = exc.strerror or str(exc)
    hint = ("free some disk space" if exc.errno == errno.ENOSPC else
            "check the path, its permissions and the free disk space")
    return ChatcodeError(f"cannot write the output ({reason})", where=Location(path), hint=hint)


def _taken(path: Path) -> ChatcodeError:
    return ChatcodeError(
        "the output already exists and would be overwritten (another chatcode run wrote it "
        "meanwhile)", where=Location(path),
        hint="choose another name, or add --force (force=True) to replace it")


def _publish_file(tmp: Path, path: Path, *, force: bool) -> None:
    """Give ``tmp`` the name ``path``: replacing it with ``force``, else only if it is new."""
    if force:
        if path.is_dir():
            raise ChatcodeError("the output is a folder; a file cannot replace it",
                                where=Location(path), hint="give a file name")
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails when path exists: an exclusive create of the final name
    except FileExistsError:
        raise _taken(path) from None
    except OSError:  # a file system without hard links: claim the name with O_EXCL
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            raise _taken(path) from None
        os.close(fd)
        os.replace(tmp, path)


@contextlib.contextmanager
def atomic_file(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it becomes ``path`` in one step.

    Without ``force`` the final name is created exclusively: when another writer created
    ``path`` meanwhile, this one fails (ChatcodeError) and the other's file stays. If the
    block fails, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    check_writable(path, force=force, folder=False)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(exc, path) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        _publish_file(tmp_path, path, force=force)
    except OSError as exc:
        raise _write_error(exc, path) from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _chatcode_folder(path: Path) -> bool:
    """True for a folder chatcode wrote (it has the manifest) or an empty one."""
    return (path / MANIFEST).is_file() or not any(path.iterdir())


def _publish_dir(tmp: Path, path: Path, *, force: bool) -> None:
    if _exists(path):
        if not force:
            raise _taken(path)
        if path.is_dir() and not _chatcode_folder(path):
            raise ChatcodeError(
                "the folder exists and was not written by chatcode; --force replaces only "
                "a folder chatcode wrote", where=Location(path),
                hint="give a new folder name, or delete the folder yourself")
        old = path.with_name(f".{path.name}.old")
        if _exists(old):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old) if old.is_dir() else old.unlink()
        return
    try:
        os.mkdir(path)  # claims the name exclusively: a second writer fails here
    except FileExistsError:
        raise _taken(path) from None
    try:
        os.replace(tmp, path)  # onto the empty folder just made (POSIX allows this)
    except OSError:
        os.rmdir(path)
        os.rename(tmp, path)


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it takes the place of ``path``.

    The folder gets a manifest (:data:`MANIFEST`). Without ``force`` the name is claimed
    exclusively (of two writers exactly one wins); with ``force`` an existing folder is
    replaced only when chatcode wrote it (it has the manifest) or it is empty.
    """
    path = Path(path)
    check_writable(path, force=force, folder=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise _write_error(exc, path) from exc
    try:
        yield tmp
        manifest = tmp / MANIFEST
        info = json.loads(manifest.read_text("utf-8")) if manifest.exists() else {}
        from chatcode import __version__

        info = {"written_by": "chatcode", "chatcode_version": __version__, **info}
        manifest.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        _publish_dir(tmp, path, force=force)
    except OSError as exc:
        raise _write_error(exc, path) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


# --- CSV ------------------------------------------------------------------------------------
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def guard_formula(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula (it
    starts with ``= + - @``, a tab or a CR, after any apostrophes), else unchanged.

    Reversible with :func:`unguard_formula` (a text of apostrophes before such a character
    gets one more)."""
    return "'" + text if _FORMULA.match(text) else text


def unguard_formula(text: str) -> str:
    """Undo :func:`guard_formula`."""
    return text[1:] if _GUARDED.match(text) else text


def csv_text(df: pd.DataFrame, *, guard: bool | None = None) -> str:
    """``df`` as CSV text (comma, ``\n`` line ends, no index) that every CSV reader reads
    back exactly: a field holding a comma, a quote, ``\n`` or a lone ``\r`` is quoted
    (RFC 4180). Missing values are empty fields.

    ``guard`` (default: :data:`formula_guard`) prefixes formula-like text cells with ``'``
    (:func:`guard_formula`); numbers stay as they are."""
    import pandas as pd

    guard = formula_guard.get() if guard is None else guard
    columns = [_csv_column(pd.Series([str(c)]), text=True, guard=False).iat[0]
               for c in df.columns]
    lines = ",".join(columns) + "\n"
    if not len(df.columns) or not len(df):
        return lines + ("\n" * len(df) if not len(df.columns) else "")
    fields = [_csv_column(df[c].reset_index(drop=True), text=_is_text(df[c]), guard=guard)
              for c in df.columns]
    joined = fields[0]
    for f in fields[1:]:
        joined = joined + "," + f
    return lines + "\n".join(joined.tolist()) + "\n"


def _is_text(values: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_string_dtype(values) or values.dtype == object


def _csv_column(values: pd.Series, *, text: bool, guard: bool) -> pd.Series:
    missing = values.isna()
    if text:
        cells = values.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
        cells = cells.astype(object).where(~missing, "").astype("str")
        if guard:
            risky = cells.str.match(_FORMULA.pattern)
            if risky.any():
                cells = cells.where(~risky, "'" + cells)
    else:
        cells = values.astype(object).map(str).where(~missing, "").astype("str")
    quote = cells.str.contains(r'[,"\n\r]', regex=True)
    if quote.any():
        cells = cells.where(~quote, '"' + cells.str.replace('"', '""', regex=False) + '"')
    return cells


_OOXML_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_EXCEL_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]")
_NONCHARACTER = re.compile("[\ufffe\uffff]")
_RISKY = re.compile("[\x00-\x1f\ufffe\uffff]|_x")


def excel_escape(text: str) -> str:
    """``text`` as Excel stores it in a cell (OOXML ``ST_Xstring``): control characters and
    CR as ``_xHHHH_``, and a literal ``_xHHHH_`` protected as ``_x005F_xHHHH_``. Excel,
    LibreOffice, python-calamine and so chatcode read it back as the original text."""
    if "_x" in text:
        text = _OOXML_ESCAPED.sub(r"_x005F_\1", text)
    return _EXCEL_UNSAFE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def excel_text(text: str, where: Location) -> str:
    """:func:`excel_escape`, refusing a text longer than an Excel cell holds (never cut) and
    the noncharacters U+FFFE and U+FFFF, which no workbook (XML) can hold in any form."""
    bad = _NONCHARACTER.search(text)
    if bad:
        raise ChatcodeError(
            f"the text holds U+{ord(bad.group()):04X} (a Unicode noncharacter, at position "
            f"{bad.start() + 1}), which no Excel workbook can store", where=where,
            hint="write this output as CSV or Parquet instead (e.g. -o corpus.parquet or "
            "-o corpus for a CSV folder), or remove the character in the source")
    escaped = excel_escape(text)
    if len(escaped) > EXCEL_CELL_LIMIT:
        raise ChatcodeError(
            f"a text of {len(text):,} characters is longer than an Excel cell holds "
            f"({EXCEL_CELL_LIMIT:,}); chatcode does not cut texts", where=where,
            hint="write this output as CSV or Parquet instead (e.g. -o corpus.parquet or "
            "-o corpus for a CSV folder), or shorten the text in the source")
    return escaped


def _excel_frame(df: pd.DataFrame, where: Location) -> pd.DataFrame:
    """``df`` with every text cell passed through :func:`excel_text` (raising for the first
    cell Excel cannot hold, naming its row and column)."""
    import pandas as pd

    out = df.copy()
    for col in df.columns:
        excel_text(str(col), Location(where.file, where.sheet, 1))
        values = df[col]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        cells = values.astype(object).tolist()
        risky = [i for i, v in enumerate(cells) if isinstance(v, str) and (
            len(v) > EXCEL_CELL_LIMIT or _RISKY.search(v))]
        if not risky:
            continue
        for i in risky:
            cells[i] = excel_text(cells[i], Location(where.file, where.sheet, i + 2, str(col)))
        out[col] = pd.Series(cells, index=df.index, dtype=object)
    return out


def excel_cell_value(value: object) -> object:
    """A value openpyxl can store: NA -> None, numpy scalars -> Python, aware times -> naive."""
    import numpy as np
    import pandas as pd

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
    # escaped and checked before the workbook is begun: a refusal leaves nothing half-written
    escaped = {name: _excel_frame(df, Location(path, name)) for name, df in sheets.items()}
    with atomic_file(path, force=force) as tmp:
        wb = Workbook(write_only=True)
        bold = Font(bold=True)
        done = 0
        for name, df in sheets.items():
            ws = wb.create_sheet(title=name)
            header = []
            for col in df.columns:
                cell = WriteOnlyCell(ws, value=excel_text(str(col), Location(path, name, 1)))
                cell.data_type = "s"
                cell.font = bold
                header.append(cell)
            ws.append(header)
            ws.freeze_panes = "A2"
            for values in escaped[name].itertuples(index=False, name=None):
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
