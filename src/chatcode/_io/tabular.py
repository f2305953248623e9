"""Reading spreadsheets and CSV files into raw tables, with errors a researcher can act on.

``read_table`` returns every cell as text or the value Excel stored (datetimes stay
datetimes), plus the internal ``_row`` column: the row number the user sees (header = 1).
It recognises, by content rather than by file name: .xlsx (read with python-calamine),
old .xls and password-protected .xlsx (both OLE files; clear error), corrupt workbooks,
empty files, and CSV files in UTF-8, UTF-8 with BOM, UTF-16 or cp1252, separated by
comma, semicolon, tab or pipe.
"""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chatcode.errors import IngestError, Location

if TYPE_CHECKING:
    from chatcode._io.formulas import FormulaReport

ROW = "_row"  # internal: the row number the user sees in the source file (header = row 1)

__all__ = ["CsvDialect", "Table", "Workbook", "kind_of", "read_csv_text", "read_table",
           "sheet_names"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_BLANK = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"  # whitespace, NUL and BOM bytes
_SMALL = 1 << 20


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class Table:
    """A raw table read from a file: ``data`` (with ``_row``), where it came from, and how."""

    data: pd.DataFrame
    file: Path
    sheet: str | None = None
    dialect: CsvDialect | None = None

    @property
    def where(self) -> Location:
        return Location(self.file, self.sheet)


def kind_of(path: Path) -> str:
    """``xlsx``, ``ole`` (old .xls or an encrypted workbook), ``empty`` or ``text``.

    A file of only whitespace (in any encoding, with or without BOM) is ``empty`` too."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError as exc:
        raise IngestError("file not found", where=Location(path),
                          hint="check the path") from exc
    except IsADirectoryError as exc:
        raise IngestError("is a folder, not a file", where=Location(path)) from exc
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head == OLE_MAGIC:
        return "ole"
    blank = not head.strip(_BLANK) and path.stat().st_size <= _SMALL
    if blank and not path.read_bytes().strip(_BLANK):
        return "empty"
    return "text"


def _ole_error(path: Path) -> IngestError:
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data:
        return IngestError(
            "the workbook is password-protected (encrypted)",
            where=Location(path),
            hint="open it in Excel, remove the password (File > Info > Protect Workbook) "
            "and save it again as .xlsx",
        )
    return IngestError(
        "this is an old Excel 97-2003 workbook (.xls), which chatcode does not read",
        where=Location(path),
        hint="open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook)",
    )


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, with clear errors for non-workbooks."""
    return Workbook(path).names


class Workbook:
    """One workbook opened once: its sheet names and each sheet read at most once.

    python-calamine parses the shared strings (most of a chat's text) when a workbook is
    opened, so reading several sheets, or the names and then a sheet, through one
    ``Workbook`` parses them once. Sheets are cached: ``table(name)`` twice is one read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._book = None
        self._tables: dict[str, Table] = {}

    def _open(self):
        from python_calamine import CalamineWorkbook

        if self._book is not None:
            return self._book
        path = self.path
        kind = kind_of(path)
        if kind == "ole":
            raise _ole_error(path)
        if kind == "empty":
            raise IngestError("the file is empty", where=Location(path),
                              hint="export the chat again")
        if kind != "xlsx":
            raise IngestError("not an Excel workbook", where=Location(path),
                              hint="give an .xlsx file, or the CSV file as it is")
        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types for broken zips
            raise _broken_workbook(path, exc) from exc
        return self._book

    @property
    def names(self) -> list[str]:
        return list(self._open().sheet_names)

    def table(self, sheet: str | None = None) -> Table:
        """A sheet (default: the first) as a raw :class:`Table` (see :func:`read_table`)."""
        names = self.names
        if sheet is None:
            sheet = names[0]
        if sheet not in names:
            lowered = {n.lower(): n for n in names}
            if sheet.lower() not in lowered:
                raise IngestError(
                    f'the workbook has no sheet "{sheet}"',
                    where=Location(self.path),
                    hint=f"its sheets are {', '.join(repr(n) for n in names)}; rename the "
                    "sheet or name the right one",
                )
            sheet = lowered[sheet.lower()]
        if sheet not in self._tables:
            self._tables[sheet] = _read_sheet(self._open(), self.path, sheet)
        return self._tables[sheet]


def _broken_workbook(path: Path, exc: Exception) -> IngestError:
    names = _zip_names(path)
    if names is not None and "[Content_Types].xml" not in names:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        return IngestError(
            f"this is a zip archive, not an Excel workbook (it holds {shown})",
            where=Location(path),
            hint="unpack it and give the export file inside, or give --format for a "
            "zipped export")
    return IngestError(
        f"the workbook cannot be opened: it is damaged or not an .xlsx file ({exc})",
        where=Location(path),
        hint="open it in Excel and save it again as .xlsx, or export it again",
    )


def read_table(path: str | Path, *, sheet: str | None = None, own: bool = False) -> Table:
    """Read a workbook sheet or a CSV file into a raw :class:`Table`.

    ``sheet`` picks a workbook sheet (default: the first). Cells are kept as Excel stored
    them; CSV cells are text. Empty rows at the end of a sheet are dropped. ``own`` says
    the CSV file was written by chatcode (UTF-8), so a NUL character in it is text, not a
    sign of a binary file.
    """
    path = Path(path)
    kind = kind_of(path)
    if kind == "empty":
        raise IngestError("the file is empty", where=Location(path),
                          hint="export the chat again; the file holds no data")
    if kind == "ole":
        raise _ole_error(path)
    if kind == "xlsx":
        return Workbook(path).table(sheet)
    if sheet is not None:
        raise IngestError(f'a sheet ("{sheet}") was asked for, but this is a text file',
                          where=Location(path), hint="give the .xlsx workbook instead")
    raw = path.read_bytes()
    fast = _read_utf8_csv(raw, path)
    if fast is not None:
        return Table(fast[0], path, None, fast[1])
    text, encoding = (raw.decode("utf-8"), "utf-8") if own and _utf8(raw) else decode(raw, path)
    data, dialect = read_csv_text(text, path, encoding)
    return Table(data, path, None, dialect)


def _read_utf8_csv(raw: bytes, path: Path) -> tuple[pd.DataFrame, CsvDialect] | None:
    """The usual CSV file (UTF-8 without BOM, every row as wide as the header) read
    without decoding it whole in Python: its first lines give the delimiter and the header,
    and pyarrow checks the encoding as it parses. None for any other file, which the caller
    decodes (:func:`decode`) and reads with :func:`read_csv_text`, as before."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or b"\x00" in raw:
        return None  # UTF-16 (which has zero bytes), a BOM, or binary data
    head, whole = _utf8_head(raw)
    if head is None or head.isspace() or _first_char(head) in ("", "{", "["):
        return None  # not UTF-8, empty, or JSON: read_csv_text says which
    if not whole and len(head) < _SNIFF_CHARS:
        return None  # (the delimiter is sniffed from the first characters)
    delimiter = _sniff_delimiter(head)
    header = _csv_header(head, delimiter, whole=whole)
    if header is None:
        return None
    fast = _read_csv_arrow(raw, delimiter, header, False)
    if fast is None:
        return None
    return _finish_csv(fast, header, path, empty_is_na=True), CsvDialect("utf-8", delimiter)


def _utf8_head(raw: bytes, size: int = 1 << 17) -> tuple[str | None, bool]:
    """The first ``size`` bytes of ``raw`` up to their last line break (all of ``raw`` when
    shorter) decoded as UTF-8, and whether that is all of it; None when they are not UTF-8
    or hold no line break."""
    if len(raw) <= size:
        chunk, whole = raw, True
    else:
        cut = raw.rfind(b"\n", 0, size)
        if cut < 0:
            return None, False
        chunk, whole = raw[:cut + 1], False
    try:
        return chunk.decode("utf-8"), whole
    except UnicodeDecodeError:
        return None, whole


def _read_sheet(book, path: Path, sheet: str) -> Table:
    from chatcode._io.formulas import formula_report_beside

    formulas = formula_report_beside(path, sheet)  # (inflates the XML beside the parse)
    try:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise IngestError(f"cannot read the sheet ({exc})", where=Location(path, sheet),
                          hint="open it in Excel and save it again as .xlsx") from exc
    while rows and all(v in ("", None) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise IngestError("the sheet is empty", where=Location(path, sheet),
                          hint="the first row must hold the column names")
    _warn_formulas(path, sheet, formulas())
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    _check_header(header, Location(path, sheet))
    data = _sheet_columns(rows[1:], header)
    data[ROW] = range(2, len(data) + 2)
    return Table(data, path, sheet)


def _warn_formulas(path: Path, sheet: str, found: FormulaReport | None) -> None:
    """Formula cells are read by the value Excel saved with them; say so, with counts, and
    name the cells that have no saved value (they read as empty)."""
    import warnings

    from chatcode.errors import ChatcodeWarning

    if found is None:
        return
    text = (f'{path}, sheet "{sheet}": {found.n_formulas} formula cell(s) (e.g. '
            f"{found.example}) read as the value Excel saved with them")
    if found.n_without_value:
        text += (f"; {found.n_without_value} have no saved value (e.g. "
                 f"{found.example_without_value}) and read as empty: open the file in Excel "
                 "or LibreOffice and save it, or replace the formulas by their values")
    warnings.warn(ChatcodeWarning(text), stacklevel=4)


def _sheet_columns(body: list[list[object]], header: list[str]) -> pd.DataFrame:
    """The cells as columns; empty cells are missing. A column holding only text is
    ``str`` (as from a CSV file), any other keeps the values Excel stored (object)."""
    width = len(header)
    if body and len({len(r) for r in body}) == 1 and len(body[0]) >= width:
        text = _text_sheet(body, header)  # every cell text (a chat export): one pass
        if text is not None:
            return text
        grid = np.array(body, dtype=object)[:, :width]  # calamine's rows are all as wide
    else:
        grid = np.empty((len(body), width), dtype=object)
        for i, r in enumerate(body):
            grid[i, :] = r[:width] + [""] * (width - len(r))
    data = {}
    for j, name in enumerate(header):
        values = grid[:, j]
        text = _all_text(values)
        if text is not None:
            data[name] = pd.Series(text, dtype="str")
        else:
            cells = pd.Series(values, dtype=object)
            data[name] = cells.where(~cells.eq(""), None)
    return pd.DataFrame(data, columns=header)


def _text_sheet(body: list[list[object]], header: list[str]) -> pd.DataFrame | None:
    """The columns of a sheet whose cells are all text (rows all as wide), converted by
    Arrow in one pass over the rows and then cut into columns; None when any cell is not
    text, so the caller converts column by column."""
    import pyarrow as pa

    stride = len(body[0])
    try:
        cells = pa.array(body, type=pa.list_(pa.large_string(), stride)).flatten()
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    if cells.null_count:
        return None
    data = {}
    for j, name in enumerate(header):
        column = cells.take(pa.array(np.arange(j, len(cells), stride)))
        data[name] = pd.Series(_empty_as_missing(column), dtype="str")
    return pd.DataFrame(data, columns=header)


def _all_text(values: np.ndarray):
    """The cells as an Arrow array, "" as missing, when every cell is text (``str``); else
    None. Arrow converts the cells in one pass and refuses any that is not text (calamine
    gives text, numbers, booleans, dates, times and durations; None only where we pad)."""
    import pyarrow as pa

    if not len(values):
        return None
    try:
        text = pa.array(values, type=pa.large_string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None  # a number, a date, a boolean ...
    if text.null_count:
        return None  # (None in a cell: not all text)
    return _empty_as_missing(text)


def _empty_as_missing(text):
    """An Arrow text array with "" as missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pc.equal(text, "")
    if not pc.any(empty).as_py():
        return text
    return pc.if_else(empty, pa.scalar(None, pa.large_string()), text)


def _check_header(header: list[str], where: Location) -> None:
    if not any(header):
        raise IngestError("the first row holds no column names", where=where,
                          hint="put the column names in the first row")
    seen: set[str] = set()
    for i, h in enumerate(header):
        if h == "":
            raise IngestError(f"column {i + 1} has no name in the first row", where=where,
                              hint="give every column a name or delete the empty column")
        if h in seen:
            raise IngestError(f"the column name {h!r} appears twice", where=where,
                              hint="give every column a distinct name")
        seen.add(h)


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes as UTF-16 (by BOM or by its zero bytes), UTF-8 (with or without BOM),
    else cp1252. Binary data and bytes no encoding can read raise a clear IngestError."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(raw, "utf-16", path), "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decode(raw, "utf-8-sig", path), "utf-8-sig"
    if len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0:4:2] != b"\x00\x00":
        return _decode(raw, "utf-16-le", path), "utf-16-le"
    if b"\x00" in raw:
        raise IngestError(
            "the file holds binary data: it is neither a CSV (text) file nor an .xlsx workbook",
            where=Location(path),
            hint="give the chat export itself (.csv or .xlsx), or save it as CSV UTF-8")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode(raw, "cp1252", path), "cp1252"


def _decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        tried = "UTF-8 or cp1252" if encoding == "cp1252" else encoding.upper()
        bad = raw[exc.start:exc.start + 4]
        raise IngestError(
            f"cannot decode the file as {tried} (byte {exc.start}: {bad!r})",
            where=Location(path), hint="save the file as CSV UTF-8 (Excel: Save As > "
            "CSV UTF-8 (Comma delimited))") from exc


def read_csv_text(text: str, path: Path, encoding: str) -> tuple[pd.DataFrame, CsvDialect]:
    """Parse CSV text; the delimiter (comma, semicolon, tab, pipe) is sniffed."""
    if not text or text.isspace():  # (text.strip() would copy the whole text)
        raise IngestError("the file is empty", where=Location(path),
                          hint="export the chat again")
    if _first_char(text) in ("{", "["):
        raise IngestError(
            "this is a JSON file, not a table (CSV)", where=Location(path),
            hint="give --format for a JSON export (see chatcode ingest --help), or export "
            "the chat as CSV or Excel")
    delimiter = _sniff_delimiter(text)
    header = _csv_header(text, delimiter)
    fast = _read_csv_arrow(text, delimiter, header, True)
    if fast is not None:
        return _finish_csv(fast, header, path, empty_is_na=True), CsvDialect(encoding, delimiter)
    width = len(header) + 1  # one spare column: a row with one cell too many is caught
    try:
        data = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width),
                           index_col=False, dtype=str, keep_default_na=False, na_values=[],
                           skip_blank_lines=False, engine="c")
    except pd.errors.ParserError as exc:
        raise IngestError(
            f"cannot read the CSV: {str(exc).strip()}", where=Location(path),
            hint="a row has more cells than the first row has column names, or a message "
            "holding the delimiter or a line break is not in quotes") from exc
    # Row numbers as a spreadsheet shows them: blank lines are rows too (then dropped).
    blank = (data.isna() | data.eq("")).all(axis=1)
    first = int(np.argmax(~blank.to_numpy())) if (~blank).any() else 0
    numbers = pd.Series(range(1, len(data) + 1))
    keep = ~blank & (numbers > first + 1)
    rows = numbers[keep].tolist()
    data = data[keep.to_numpy()].fillna("").reset_index(drop=True)
    extra = data[width - 1].ne("")
    if extra.any():
        bad = [str(r) for r, e in zip(rows, extra, strict=True) if e][:8]
        raise IngestError(
            f"row(s) {', '.join(bad)} have more cells than the first row has column names",
            where=Location(path),
            hint="give every column a name in the first row, or delete the extra cells")
    data = data.drop(columns=[width - 1])
    data[ROW] = rows
    return _finish_csv(data, header, path), CsvDialect(encoding, delimiter)


def _finish_csv(data: pd.DataFrame, header: list[str], path: Path, *,
                empty_is_na: bool = False) -> pd.DataFrame:
    """Name the columns (dropping the empty ones trailing delimiters make) and empty cells
    missing; ``data`` has the columns 0..len(header)-1 (text, "" when empty, or missing
    already when ``empty_is_na``) and ``_row``."""
    rows = data.pop(ROW)
    header = list(header)
    while header and header[-1] == "" and (
            data[len(header) - 1].isna().all() if empty_is_na
            else data[len(header) - 1].eq("").all()):
        data = data.drop(columns=[len(header) - 1])  # trailing delimiters, as Excel writes
        header.pop()
    _check_header(header, Location(path))
    data.columns = header
    if not empty_is_na:
        for col in header:  # (replace({"": None}) would turn a mostly empty column to object)
            data[col] = data[col].where(data[col].ne(""))
    data[ROW] = rows.to_numpy()
    return data


def _read_csv_arrow(text: str | bytes, delimiter: str, header: list[str], utf8: bool
                    ) -> pd.DataFrame | None:
    """The data rows with pyarrow.csv (many times faster than pandas' parser), or None when
    the file is irregular (a row with more or fewer cells than the header, blank lines before
    the header, a line break in the header) or not UTF-8: the pandas path then reads it and
    names rows. ``text`` is the file as text, or its bytes; ``utf8`` says they are known to
    be UTF-8 (else pyarrow checks every cell).

    Returns the columns 0..len(header)-1 as text (missing when empty) and ``_row``: the row
    number a spreadsheet shows (header = 1; blank lines count, then are dropped)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    first = _first_line(text)
    if isinstance(first, bytes):
        try:
            first = first.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not header or not first.strip() or first.count('"') % 2:
        return None
    irregular = []

    def invalid(row) -> str:
        irregular.append(row)
        return "skip"

    names = [str(i) for i in range(len(header))]
    raw = text.encode("utf-8") if isinstance(text, str) else text
    try:  # empty cells (quoted or not) are read as missing; only "" is (not "NA", "null")
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True,
                check_utf8=not (utf8 or isinstance(text, str))))
    except (pa.ArrowInvalid, ValueError):
        return None
    if irregular:
        return None
    rows = pa.array(np.arange(2, table.num_rows + 2))
    if table.num_rows and all(c.null_count for c in table.columns):
        blank = functools.reduce(pc.and_, (pc.is_null(c) for c in table.columns))
        if pc.any(blank).as_py():  # empty rows: dropped, their numbers kept by the others
            keep = pc.invert(blank)
            table, rows = table.filter(keep), rows.filter(keep)
    table = table.combine_chunks()  # one chunk per column: later passes run faster
    data = pd.DataFrame({i: pd.Series(table.column(str(i)), dtype="str")
                         for i in range(len(header))})
    data[ROW] = rows.to_numpy()
    return data


def _csv_header(text: str, delimiter: str, *, whole: bool = True) -> list[str] | None:
    """The column names: the first record (blank lines skipped, as pandas does), stripped.

    ``whole=False`` says ``text`` is only the first lines of the file: then None when the
    first record may go on past them."""
    for chunk in (text[:65536], text):  # the head holds the header, except in odd files
        last = chunk is text and whole
        reader = csv.reader(io.StringIO(chunk), delimiter=delimiter)
        try:
            for record in reader:
                if record:
                    if reader.line_num < chunk.count("\n") or last:
                        return [cell.strip() for cell in record]
                    break  # the first record may go on past the head: read it all
        except csv.Error:
            if last:
                raise
        if not whole:
            return None
    return []


_SNIFF_CHARS = 20000  # the delimiter is sniffed from this many characters


def _first_char(text: str) -> str:
    """The first character that is not white space ("" when there is none)."""
    return (text[:65536].lstrip() or text.lstrip())[:1]


def _first_line(text: str | bytes) -> str | bytes:
    """The first line of ``text`` (without copying the rest, as ``split`` would)."""
    end = text.find("\n" if isinstance(text, str) else b"\n")
    return text if end < 0 else text[:end]


def _sniff_delimiter(text: str) -> str:
    first = _first_line(text)
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ","
    try:
        dialect = csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=",;\t|")
        if counts.get(dialect.delimiter, 0) > 0:
            return dialect.delimiter
    except csv.Error:
        pass
    return best


def _zip_names(path: Path) -> list[str] | None:
    """The member names of a zip archive, or None when it is not a readable zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return None


def is_zip_workbook(path: Path) -> bool:
    """True when ``path`` is a zip holding an Excel workbook (not another zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "[Content_Types].xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False
