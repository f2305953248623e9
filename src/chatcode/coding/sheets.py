"""Excel coding sheets: write one for a coder, read the filled sheet back as codes.

A coding sheet has one row per selected post (time order). The context columns (group,
time, role, author, text, the text of the parent post) are locked; the code columns are
the only cells a coder can change: one dropdown column per single-choice dimension (a code
id, or ``none`` for "coded, no code of this dimension") and one 0/1 column per code of a
multiple-choice dimension. Sheet protection has no password: it prevents accidents, it is
not security. Reading checks everything a coder (or a copy and paste) can break and
reports every problem of the sheet at once (see :func:`read_sheet`).

Workbook layout (sheets): ``coding`` (what the coder sees), ``codebook`` (the definitions),
and the hidden ``_posts`` (post id and a fingerprint of each row's context, in row order)
and ``_chatcode`` (meta: kind, codebook hash and version, coder, pass, selection, ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chatcode._io.output import atomic_file
from chatcode.codebook import Codebook, Dimension
from chatcode.coding.meta import add_meta_sheet, check_codebook
from chatcode.coding.selection import Selection, select_posts
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, read_corpus
from chatcode.corpus.timestamps import resolve_timezone
from chatcode.errors import ChatcodeWarning, CodingError, Location, Problem, Problems

__all__ = ["CODEBOOK_SHEET", "CODING_SHEET", "KIND", "NONE", "POSTS_SHEET", "FilledSheet",
           "Layout", "fingerprint", "ids_checksum", "open_sheet", "write_sheet"]

KIND = "coding_sheet"
CODING_SHEET = "coding"
CODEBOOK_SHEET = "codebook"
POSTS_SHEET = "_posts"
NONE = "none"  # single-choice dimension: coded, no code of this dimension

TIME = "time"
PARENT_TEXT = "parent_text"
FINGERPRINT = "fingerprint"
# (header, label, width); the post id column comes first and is hidden
CONTEXT = ((S.GROUP, "Group", 12), (TIME, "Time", 17), (S.ROLE, "Role", 12),
           (S.AUTHOR, "Author", 14), (S.TEXT, "Post", 60), (PARENT_TEXT, "Replies to", 40))
FIRST_DATA_ROW = 3  # row 1: headers, row 2: readable labels
EXCEL_TEXT_LIMIT = 32767
MAX_INLINE_LIST = 255  # Excel's limit for a list typed into a data validation
ALL = Selection()


@dataclass(frozen=True)
class Layout:
    """The code columns of a sheet: ``(dimension, multiple, code ids)`` per dimension."""

    dimensions: tuple[tuple[str, bool, tuple[str, ...]], ...]

    @classmethod
    def of(cls, codebook: Codebook) -> Layout:
        return cls(tuple((d.id, d.multiple, d.code_ids) for d in codebook.dimensions))

    @classmethod
    def from_json(cls, text: str) -> Layout:
        data = json.loads(text)
        return cls(tuple((str(d), bool(m), tuple(map(str, c))) for d, m, c in data))

    def to_json(self) -> str:
        return json.dumps([[d, m, list(c)] for d, m, c in self.dimensions])

    def columns(self) -> list[tuple[str, str, str | None]]:
        """``(header, dimension, code)`` per code column; ``code`` is None for a dropdown."""
        out: list[tuple[str, str, str | None]] = []
        for dim, multiple, codes in self.dimensions:
            if multiple:
                out += [(f"{dim}:{code}", dim, code) for code in codes]
            else:
                out.append((dim, dim, None))
        return out

    def headers(self) -> list[str]:
        """Every header of the coding sheet, in column order."""
        return [S.POST_ID] + [c[0] for c in CONTEXT] + [h for h, _, _ in self.columns()]


def fingerprint(values: Sequence[str]) -> str:
    """A short hash of a row's post id and context cells (detects rows moved apart).

    Runs of whitespace count as one space, so line endings that Excel or the XML reader
    rewrite (CR LF becomes LF) and spaces at the ends of a text do not change it.
    """
    text = "\x1f".join(" ".join(str(v).split()) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def ids_checksum(ids: Sequence[str]) -> str:
    """The sha256 (first 16 hex digits) of the post ids in row order, one per line."""
    return hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:16]


def write_sheet(
    corpus: Corpus | str | Path,
    codebook: Codebook,
    path: str | Path,
    *,
    coder: str,
    pass_: str = "main",
    selection: Selection = ALL,
    force: bool = False,
    timezone: str | None = None,
    suggestions: pd.DataFrame | None = None,
    order: Sequence[str] | None = None,
) -> Path:
    """Write an Excel coding sheet for one coder and pass; returns ``path``.

    ``corpus`` is a :class:`~chatcode.corpus.Corpus` or the path of a stored one;
    ``selection`` picks the posts (all by default). Times are shown in ``timezone`` (an
    IANA name; default: this machine's zone), named in the label row. The write is atomic
    and an existing file is replaced only with ``force``.

    Notes
    -----
    - Blind coding: the sheet never holds anybody's codes; every code cell starts empty.
    - ``suggestions`` (rows of :meth:`chatcode.coding.suggest.Suggester.suggest`) adds a
      locked ``suggested`` column after the code columns: the codes proposed for the post
      with their probabilities. It is never read back as codes; the code cells stay empty.
    - ``order`` (post ids) puts the rows in that order, e.g. the active-learning order of
      :meth:`~chatcode.coding.suggest.Suggester.order`; posts not in it follow in time order.
    - All text is written as text, never as a formula (``=HYPERLINK(...)`` stays literal).
    - Characters Excel cannot store (control characters) are shown as U+FFFD and texts
      longer than Excel's 32,767 characters are cut, with a warning giving the count; the
      codes are tied to the post id, not to the text shown.
    """
    _check_names(coder, pass_)
    _check_codebook(codebook)
    if not isinstance(corpus, Corpus):
        corpus = read_corpus(corpus)
    tz = resolve_timezone(timezone)
    posts = select_posts(corpus.posts, selection)
    if order is not None:
        posts = _reorder(posts, order)
    if posts.empty:
        raise CodingError("the selection holds no posts", hint="check the corpus and the "
                          "selection (--first/--sample/--group)")
    rows, fixed = _context_rows(posts, corpus.posts, tz)
    if fixed:
        warnings.warn(ChatcodeWarning(
            f"{fixed} text cell(s) held characters Excel cannot store or were longer than "
            f"{EXCEL_TEXT_LIMIT} characters; shown with U+FFFD or cut in the sheet"),
            stacklevel=2)
    layout = Layout.of(codebook)
    ids = [r[0] for r in rows]
    meta = {"kind": KIND, "codebook_name": codebook.name, "codebook_hash": codebook.hash,
            "codebook_version": codebook.version, "coder": coder, "pass": pass_,
            "selection": selection.describe(n=len(rows)), "n_posts": len(rows),
            "post_ids_sha256": ids_checksum(ids), "timezone": tz, "layout": layout.to_json(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if suggestions is not None:
        meta["suggestions"] = "suggested column (never read as codes)"
    if order is not None:
        meta["order"] = "active learning (uncertain first)"
    from openpyxl import Workbook

    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        wb = Workbook()
        _coding_sheet(wb.active, rows, codebook, layout, tz)
        if suggestions is not None:
            _suggestion_column(wb.active, ids, suggestions, len(layout.headers()) + 1)
        _codebook_sheet(wb.create_sheet(CODEBOOK_SHEET), codebook)
        _posts_sheet(wb.create_sheet(POSTS_SHEET), rows)
        add_meta_sheet(wb, meta)
        wb.save(tmp)
    return path


def _reorder(posts: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    rank = {str(p): i for i, p in enumerate(order)}
    key = posts[S.POST_ID].astype(str).map(rank).fillna(len(rank)).to_numpy()
    return posts.iloc[pd.Series(key).argsort(kind="stable").to_numpy()].reset_index(drop=True)


SUGGESTED = "suggested"


def _suggestion_column(ws, ids: list[str], suggestions: pd.DataFrame, col: int) -> None:
    """A locked column after the code columns: the proposed codes of each post, as text."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = suggestions[suggestions["suggested"].astype(bool)]
    text: dict[str, list[str]] = {}
    for pid, dim, code, p in zip(rows[S.POST_ID], rows[S.DIMENSION], rows[S.CODE],
                                 rows["probability"], strict=True):
        text.setdefault(str(pid), []).append(f"{dim}:{code} ({p:.2f})")
    fill = PatternFill("solid", fgColor="FFF9C4")
    head = {"font": Font(bold=True, italic=True), "fill": fill,
            "alignment": Alignment(wrap_text=True, vertical="top")}
    _text_cell(ws, 1, col, SUGGESTED, head)
    _text_cell(ws, 2, col, "Suggested codes (a proposal, not a code: enter your own codes "
               "in the code columns)", head)
    style = {"fill": fill, "alignment": Alignment(wrap_text=True, vertical="top")}
    for r, pid in enumerate(ids, FIRST_DATA_ROW):
        _text_cell(ws, r, col, "; ".join(text.get(pid, [])), style)
    ws.column_dimensions[get_column_letter(col)].width = 36


def _check_names(coder: str, pass_: str) -> None:
    for what, value in (("coder", coder), ("pass", pass_)):
        if not isinstance(value, str) or not value.strip() or "/" in value:
            raise CodingError(f"invalid {what} name {value!r}",
                              hint=f"give a non-empty {what} name without '/', e.g. "
                              + ("anna" if what == "coder" else "main or pretest"))


def _check_codebook(codebook: Codebook) -> None:
    for d in codebook.dimensions:
        if not d.codes:
            raise CodingError(f"dimension {d.id!r} of the codebook has no codes",
                              hint="add codes to it, or remove the dimension")
        if not d.multiple and NONE in d.code_ids:
            raise CodingError(
                f"single-choice dimension {d.id!r} has a code named {NONE!r}, which the "
                "coding sheet uses for 'coded, no code of this dimension'",
                hint="rename the code in the codebook (e.g. no_topic)")


# --- the rows -------------------------------------------------------------------------------

def _cell_text(value: object) -> tuple[str, bool]:
    """Text Excel can store, and whether it had to be changed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = "" if value is None or value is pd.NA else str(value)
    fixed = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(fixed) > EXCEL_TEXT_LIMIT:
        fixed = fixed[: EXCEL_TEXT_LIMIT - 1] + "\u2026"
    return fixed, fixed != text


def _context_rows(posts: pd.DataFrame, all_posts: pd.DataFrame,
                  tz: str) -> tuple[list[list[str]], int]:
    """Per post: post id, the context cells as shown, and the row fingerprint."""
    text_of = dict(zip(all_posts[S.POST_ID], all_posts[S.TEXT], strict=True))
    times = posts[S.TIMESTAMP].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
    rows: list[list[str]] = []
    fixed = 0
    for pid, group, time, role, author, text, parent in zip(
            posts[S.POST_ID], posts[S.GROUP], times, posts[S.ROLE], posts[S.AUTHOR],
            posts[S.TEXT], posts[S.PARENT_ID], strict=True):
        parent_text = text_of.get(parent, "") if isinstance(parent, str) else ""
        cells = []
        for value in (group, time, role, author, text, parent_text):
            shown, changed = _cell_text(value)
            cells.append(shown)
            fixed += changed
        rows.append([str(pid), *cells, fingerprint([str(pid), *cells])])
    return rows, fixed


# --- the sheets -----------------------------------------------------------------------------

def _text_cell(ws, row: int, col: int, value: str, style: dict | None = None):
    cell = ws.cell(row=row, column=col, value=value)
    cell.data_type = "s"  # never a formula
    for name, val in (style or {}).items():
        setattr(cell, name, val)
    return cell


def _styles() -> dict:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    return {"head": {"font": Font(bold=True), "alignment": Alignment(wrap_text=True,
                                                                      vertical="top")},
            "code_head": {"font": Font(bold=True), "alignment": Alignment(wrap_text=True,
                                                                           vertical="top"),
                          "fill": PatternFill("solid", fgColor="FFF2CC")},
            "wrap": {"alignment": Alignment(wrap_text=True, vertical="top")},
            "top": {"alignment": Alignment(vertical="top")},
            "code": {"protection": Protection(locked=False),
                     "alignment": Alignment(horizontal="center", vertical="top")}}


def _coding_sheet(ws, rows: list[list[str]], codebook: Codebook, layout: Layout,
                  tz: str) -> None:
    from openpyxl.utils import get_column_letter

    ws.title = CODING_SHEET
    st = _styles()
    columns = layout.columns()
    labels = [S.POST_ID] + [f"{label} ({tz})" if h == TIME else label
                            for h, label, _ in CONTEXT]
    for _, dim, code in columns:
        d = codebook.dimension(dim)
        labels.append(f"{d.code(code).label} (0/1)" if code else f"{d.label}: one code or "
                      f"{NONE}")
    for col, (header, label) in enumerate(zip(layout.headers(), labels, strict=True), 1):
        kind = "code_head" if col > len(CONTEXT) + 1 else "head"
        _text_cell(ws, 1, col, header, st[kind])
        _text_cell(ws, 2, col, label, st[kind])
    n_context = len(CONTEXT) + 1
    for r, row in enumerate(rows, FIRST_DATA_ROW):
        for col, value in enumerate(row[:n_context], 1):
            style = st["wrap"] if col in (6, 7) else st["top"]
            _text_cell(ws, r, col, value, style)
        for col in range(n_context + 1, n_context + len(columns) + 1):
            cell = ws.cell(row=r, column=col)
            cell.protection = st["code"]["protection"]
            cell.alignment = st["code"]["alignment"]
    last = FIRST_DATA_ROW + len(rows) - 1
    _validations(ws, columns, codebook, n_context, last)
    ws.column_dimensions["A"].hidden = True
    for col, (_, _, width) in enumerate(CONTEXT, 2):
        ws.column_dimensions[get_column_letter(col)].width = width
    for col, (header, _, code) in enumerate(columns, n_context + 1):
        ws.column_dimensions[get_column_letter(col)].width = max(12, len(header) + 2) if code \
            else 18
    ws.freeze_panes = "F3"
    ws.auto_filter.ref = f"A2:{get_column_letter(n_context + len(columns))}{last}"
    _protect(ws)


def _protect(ws) -> None:
    """Protection without a password: locked cells cannot be edited, columns can be resized."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.autoFilter = False


def _validations(ws, columns, codebook: Codebook, n_context: int, last: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = None
    for col, (header, dim, code) in enumerate(columns, n_context + 1):
        letter = get_column_letter(col)
        if code is not None:
            formula, error = '"0,1"', "Enter 1 (the code applies) or 0 (it does not)."
        else:
            choices = [*codebook.dimension(dim).code_ids, NONE]
            formula = '"' + ",".join(choices) + '"'
            if len(formula) > MAX_INLINE_LIST:
                lists = lists or ws.parent.create_sheet("_lists")
                formula = _list_range(lists, choices)
            error = f"Choose a code of {dim} from the list, or {NONE}."
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            showErrorMessage=True, errorTitle="Not a code", error=error,
                            showInputMessage=True, promptTitle=header[:32],
                            prompt="Leave empty while not coded yet.")
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.add_data_validation(dv)
    if lists is not None:
        lists.sheet_state = "hidden"


def _list_range(ws, choices: list[str]) -> str:
    """Write ``choices`` into the next free column of the hidden lists sheet; its range."""
    from openpyxl.utils import get_column_letter

    col = 1 if ws.max_row == 1 and ws["A1"].value is None else ws.max_column + 1
    for r, value in enumerate(choices, 1):
        _text_cell(ws, r, col, value)
    letter = get_column_letter(col)
    return f"'{ws.title}'!${letter}$1:${letter}${len(choices)}"


def _codebook_sheet(ws, codebook: Codebook) -> None:
    from openpyxl.utils import get_column_letter

    st = _styles()
    head = ["column", "dimension", "dimension_label", "type", "code", "label", "definition",
            "include", "exclude", "examples"]
    widths = [22, 14, 22, 10, 16, 24, 50, 36, 36, 40]
    for col, (h, w) in enumerate(zip(head, widths, strict=True), 1):
        _text_cell(ws, 1, col, h, st["head"])
        ws.column_dimensions[get_column_letter(col)].width = w
    r = 2
    for d in codebook.dimensions:
        for values in _definition_rows(d):
            for col, v in enumerate(values, 1):
                _text_cell(ws, r, col, _cell_text(v)[0], st["wrap"])
            r += 1
    ws.freeze_panes = "A2"
    _protect(ws)


def _definition_rows(d: Dimension) -> list[list[str]]:
    kind = "multiple" if d.multiple else "single"
    rows = [[f"{d.id}:{c.id}" if d.multiple else d.id, d.id, d.label, kind, c.id, c.label,
             c.definition, "\n".join(c.include), "\n".join(c.exclude), "\n".join(c.examples)]
            for c in d.codes]
    if not d.multiple:
        rows.append([d.id, d.id, d.label, kind, NONE, f"No code of {d.label}",
                     f"The post is coded and has none of the codes of {d.label}.", "", "",
                     ""])
    return rows


def _posts_sheet(ws, rows: list[list[str]]) -> None:
    ws.append([S.POST_ID, FINGERPRINT])
    for r, row in enumerate(rows, 2):
        _text_cell(ws, r, 1, row[0])
        _text_cell(ws, r, 2, row[-1])
    ws.sheet_state = "hidden"
    _protect(ws)


# --- opening a filled sheet -----------------------------------------------------------------

@dataclass(frozen=True)
class FilledSheet:
    """A coding sheet opened for reading: its coding worksheet (openpyxl), meta entries,
    code columns, and the ``(post id, fingerprint)`` of each row as written."""

    path: Path
    worksheet: object
    meta: dict[str, str]
    layout: Layout
    expected: list[tuple[str, str]]


def open_sheet(path: str | Path, *, codebook: Codebook | None = None) -> FilledSheet:
    """Open a filled coding sheet and check what must hold before its cells are read.

    Raises :class:`~chatcode.errors.CodingError` when the file is not a coding sheet, was
    made from another codebook than ``codebook`` (naming both versions and hashes), or its
    headers or hidden post list were changed. Reading the cells: ``codes.read_sheet``.
    """
    path = Path(path)
    wb = _load(path)
    meta = _meta(wb, path)
    layout = _layout(meta, codebook, path)
    expected = _expected_posts(wb, meta, path)
    _check_headers(wb[CODING_SHEET], layout, path)
    return FilledSheet(path, wb[CODING_SHEET], meta, layout, expected)


def _load(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path)
    except FileNotFoundError as exc:
        raise CodingError("file not found", where=Location(path), hint="check the path") \
            from exc
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise CodingError(f"cannot open the workbook ({exc})", where=Location(path),
                          hint="open it in Excel and save it again as .xlsx") from exc


def _meta(wb, path: Path) -> dict[str, str]:
    from chatcode.coding.meta import META_SHEET

    meta: dict[str, str] = {}
    if META_SHEET in wb.sheetnames:
        for key, value, *_ in wb[META_SHEET].iter_rows(min_row=2, values_only=True):
            if key is not None:
                meta[str(key)] = "" if value is None else str(value)
    if meta.get("kind") != KIND or CODING_SHEET not in wb.sheetnames \
            or POSTS_SHEET not in wb.sheetnames:
        raise CodingError("not a coding sheet written by chatcode (its hidden sheets are "
                          "missing)", where=Location(path),
                          hint="give the workbook written by chatcode sheet, filled in")
    return meta


def _layout(meta: dict[str, str], codebook: Codebook | None, path: Path) -> Layout:
    if codebook is not None:
        check_codebook(meta, codebook, path, made="the sheet was made from",
                       hint="give the codebook the sheet was made from, or write a new sheet "
                       "with this codebook (chatcode sheet) and code again")
        return Layout.of(codebook)
    try:
        return Layout.from_json(meta["layout"])
    except (KeyError, ValueError, TypeError) as exc:
        raise CodingError("the hidden meta sheet of the coding sheet is damaged",
                          where=Location(path, "_chatcode"),
                          hint="give the codebook (--codebook) or write the sheet again") \
            from exc


def _expected_posts(wb, meta: dict[str, str], path: Path) -> list[tuple[str, str]]:
    rows = [(str(a), str(b)) for a, b, *_ in wb[POSTS_SHEET].iter_rows(min_row=2,
                                                                        values_only=True)
            if a is not None]
    if ids_checksum([a for a, _ in rows]) != meta.get("post_ids_sha256"):
        raise CodingError("the post ids recorded in the hidden sheet were changed",
                          where=Location(path, POSTS_SHEET),
                          hint="use the workbook as chatcode wrote it; write a new sheet if "
                          "it cannot be restored")
    return rows


def _check_headers(ws, layout: Layout, path: Path) -> None:
    from openpyxl.utils import get_column_letter

    want = layout.headers()
    found = [c.value for c in ws[1]]
    found = found + [None] * (len(want) - len(found))
    problems = [
        Problem(f"expected the header {w!r}, found {'(empty)' if f is None else repr(f)}",
                Location(path, CODING_SHEET, 1, get_column_letter(i)),
                "columns were inserted, deleted or moved; restore the sheet as written")
        for i, (w, f) in enumerate(zip(want, found, strict=False), 1) if str(f) != w]
    if problems:
        raise Problems.of(CodingError, problems)
