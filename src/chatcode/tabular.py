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
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chatcode.errors import IngestError, Location
from chatcode.schema import ROW

__all__ = ["CsvDialect", "Table", "kind_of", "read_csv_text", "read_table", "sheet_names"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


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
    """``xlsx``, ``ole`` (old .xls or an encrypted workbook), ``empty`` or ``text``."""
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
    from python_calamine import CalamineWorkbook

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
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken zips
        raise IngestError(
            f"the workbook cannot be opened: it is damaged or not an .xlsx file ({exc})",
            where=Location(path),
            hint="open it in Excel and save it again as .xlsx, or export it again",
        ) from exc


def read_table(path: str | Path, *, sheet: str | None = None, header_row: int = 1) -> Table:
    """Read a workbook sheet or a CSV file into a raw :class:`Table`.

    ``sheet`` picks a workbook sheet (default: the first). Cells are kept as Excel stored
    them; CSV cells are text. Empty rows at the end of a sheet are dropped.
    """
    path = Path(path)
    kind = kind_of(path)
    if kind == "empty":
        raise IngestError("the file is empty", where=Location(path),
                          hint="export the chat again; the file has no bytes")
    if kind == "ole":
        raise _ole_error(path)
    if kind == "xlsx":
        return _read_sheet(path, sheet)
    if sheet is not None:
        raise IngestError(f'a sheet ("{sheet}") was asked for, but this is a text file',
                          where=Location(path), hint="give the .xlsx workbook instead")
    raw = path.read_bytes()
    text, encoding = decode(raw, path)
    data, dialect = read_csv_text(text, path, encoding)
    return Table(data, path, None, dialect)


def _read_sheet(path: Path, sheet: str | None) -> Table:
    from python_calamine import CalamineWorkbook

    names = sheet_names(path)
    if sheet is None:
        sheet = names[0]
    if sheet not in names:
        lowered = {n.lower(): n for n in names}
        if sheet.lower() in lowered:
            sheet = lowered[sheet.lower()]
        else:
            raise IngestError(
                f'the workbook has no sheet "{sheet}"',
                where=Location(path),
                hint=f"its sheets are {', '.join(repr(n) for n in names)}; rename the sheet "
                "or name the right one",
            )
    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(
            skip_empty_area=False)
    except Exception as exc:
        raise IngestError(f"cannot read the sheet ({exc})", where=Location(path, sheet),
                          hint="open it in Excel and save it again as .xlsx") from exc
    while rows and all(v in ("", None) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise IngestError("the sheet is empty", where=Location(path, sheet),
                          hint="the first row must hold the column names")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [r[:width] + [""] * (width - len(r)) for r in rows[1:]]
    _check_header(header, Location(path, sheet))
    data = pd.DataFrame(body, columns=header, dtype=object)
    for col in data.columns:
        data[col] = data[col].where(data[col].map(lambda v: v != ""), None)
    data[ROW] = range(2, len(data) + 2)
    return Table(data, path, sheet)


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


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes as UTF-16 (by BOM), UTF-8 (with or without BOM), else cp1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig"), "utf-8-sig"
    if len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0:4:2] != b"\x00\x00":
        return raw.decode("utf-16-le"), "utf-16-le"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"cannot decode the file as UTF-8, UTF-16 or cp1252 (byte {exc.start})",
            where=Location(path), hint="save the file as UTF-8 CSV") from exc


def read_csv_text(text: str, path: Path, encoding: str) -> tuple[pd.DataFrame, CsvDialect]:
    """Parse CSV text; the delimiter (comma, semicolon, tab, pipe) is sniffed."""
    if not text.strip():
        raise IngestError("the file is empty", where=Location(path),
                          hint="export the chat again")
    delimiter = _sniff_delimiter(text)
    try:
        data = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                           na_values=[], skip_blank_lines=True, engine="c")
    except pd.errors.ParserError as exc:
        raise IngestError(f"cannot read the CSV ({exc})", where=Location(path),
                          hint="check the quoting of messages with commas or line breaks"
                          ) from exc
    header = [str(c).strip() for c in data.columns]
    _check_header([h if not h.startswith("Unnamed: ") else "" for h in header], Location(path))
    data.columns = header
    data = data.replace({"": None})
    data[ROW] = range(2, len(data) + 2)
    return data, CsvDialect(encoding, delimiter)


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ","
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|")
        if counts.get(dialect.delimiter, 0) > 0:
            return dialect.delimiter
    except csv.Error:
        pass
    return best


def is_zip_workbook(path: Path) -> bool:
    """True when ``path`` is a zip holding an Excel workbook (not another zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "[Content_Types].xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False
