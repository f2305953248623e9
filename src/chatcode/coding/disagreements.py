"""The disagreement workbook: where the codings differ, for the coders to settle.

``write_disagreements`` writes one row per post and dimension where the compared
coders/passes coded differently: the post (group, time, author, text, from the corpus when
given), each coder's coding of that dimension (code ids joined by ", ", or ``none``) and an
empty ``consensus`` column. For a single-choice dimension the consensus cell has a dropdown
of its codes and ``none``; for a multiple-choice dimension type the code ids separated by
commas (``none`` for no code). A ``note`` column is free for the discussion and not read.

``read_disagreements`` reads the settled workbook back as a codes table of the coder and
pass ``consensus`` (``schema.CONSENSUS_PASS``). It is complete for every post and dimension
the coders all coded: a disputed one takes the consensus cell, one they agreed on takes the
agreed codes (kept in the hidden sheet ``_agreed``). So the consensus pass can be compared
with, or used instead of, any coder's codes.

Workbook layout: ``disagreements`` (what the coders see; column A, the post id, is hidden),
``codebook`` (the definitions), and the hidden ``_agreed`` (post, dimension, agreed codes),
``_codes`` (the dimensions and codes, so the workbook reads back without the codebook),
``_lists`` (the dropdown choices) and ``_chatcode`` (meta: kind ``disagreements``, codebook
hash and version, the coders compared).

Notes
-----
- Text is written as text, never as a formula; the write is atomic and refuses to replace
  an existing file unless ``force``.
- ``coded_at`` of the consensus codes is the modification time of the workbook (UTC), the
  time the consensus was saved.
- A consensus cell is read case-insensitively; ids may be separated by commas or
  semicolons; ``none`` (or ``(none)``) means "coded, no code". An empty cell, an unknown id
  or several codes in a single-choice dimension is an error naming the cell.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode._io.output import atomic_file, excel_text
from chatcode._io.tabular import read_table, sheet_names
from chatcode.codebook import Codebook
from chatcode.coding.meta import add_meta_sheet, check_codebook, read_meta
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.corpus.timestamps import to_iso
from chatcode.errors import ChatcodeWarning, CodingError, Location, Problem, Problems
from chatcode.reliability import NONE, CodingMatrix

__all__ = ["KIND", "disagreement_table", "read_disagreements", "write_disagreements"]

KIND = "disagreements"
SHEET = "disagreements"
AGREED_SHEET = "_agreed"
CODES_SHEET = "_codes"
LISTS_SHEET = "_lists"
CODEBOOK_SHEET = "codebook"
CONSENSUS = "consensus"
NOTE = "note"
TIME = "time"
CODES = "codes"
MULTIPLE = "multiple"
AGREE = "agree"
CONTEXT = (S.GROUP, TIME, S.AUTHOR, S.TEXT)
WIDTHS = {S.POST_ID: 10, S.GROUP: 12, TIME: 20, S.AUTHOR: 14, S.TEXT: 60, S.DIMENSION: 14,
          CONSENSUS: 22, NOTE: 30}


def disagreement_table(
    codes: pd.DataFrame,
    codebook: Codebook,
    *,
    coders: Sequence[str] | None = None,
    corpus: Corpus | None = None,
) -> pd.DataFrame:
    """One row per post and dimension coded by every compared coder/pass.

    Columns: post_id, group, time, author, text (from ``corpus``; empty without it),
    dimension, one column per coder/pass (its codes of the dimension joined by ", ", or
    ``none``), and ``agree``. Rows follow the corpus's time order (without a corpus, the
    order of the codes), then the codebook's dimension order.
    """
    matrix = CodingMatrix.from_codes(codes, codebook).select(coders)
    _, common = matrix.common()
    posts = matrix.posts[common]
    frames = []
    for d in codebook.dimensions:
        idx = [i for i, (dim, _) in enumerate(matrix.variables) if dim == d.id]
        block = matrix.values[idx][:, :, common]          # (codes, raters, posts)
        rated = (block >= 0).all(axis=(0, 1))
        frame = pd.DataFrame({S.POST_ID: posts[rated], S.DIMENSION: d.id})
        labels = _labels(block[:, :, rated], d.code_ids)
        for r, rater in enumerate(matrix.raters):
            frame[rater] = labels[r]
        frame[AGREE] = (block[:, :, rated] == block[:, :1, rated]).all(axis=(0, 1))
        frame["_order"] = np.flatnonzero(rated)
        frame["_dim"] = len(frames)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table = _with_context(table, corpus)
    cols = [S.POST_ID, *CONTEXT, S.DIMENSION, *matrix.raters, AGREE]
    return table.sort_values(["_order", "_dim"], kind="stable")[cols].reset_index(drop=True)


def _labels(block: np.ndarray, code_ids: Sequence[str]) -> np.ndarray:
    """``(raters, posts)`` text: the code ids coded 1, joined by ", ", or ``none``."""
    bits = ((block == 1).astype(np.int64) << np.arange(len(code_ids))[:, None, None]).sum(0)
    out = np.empty(bits.shape, dtype=object)
    for value in np.unique(bits):
        ids = [c for k, c in enumerate(code_ids) if value >> k & 1]
        out[bits == value] = ", ".join(ids) if ids else NONE
    return out


def _with_context(table: pd.DataFrame, corpus: Corpus | None) -> pd.DataFrame:
    if corpus is None:
        for col in CONTEXT:
            table[col] = ""
        return table
    posts = corpus.posts.set_index(S.POST_ID)
    missing = ~table[S.POST_ID].isin(posts.index)
    if missing.any():
        n = table.loc[missing, S.POST_ID].nunique()
        warnings.warn(ChatcodeWarning(f"{n} coded post(s) are not in the corpus (e.g. "
                                      f"{table.loc[missing, S.POST_ID].iloc[0]}); their text "
                                      "is left empty"), stacklevel=3)
    found = posts.reindex(table[S.POST_ID])
    table[S.GROUP] = found[S.GROUP].fillna("").to_numpy()
    table[TIME] = to_iso(found[S.TIMESTAMP]).to_numpy()
    table[S.AUTHOR] = found[S.AUTHOR].fillna("").to_numpy()
    table[S.TEXT] = found[S.TEXT].fillna("").to_numpy()
    rank = posts[S.TIMESTAMP].rank(method="first")  # time order; ties keep corpus order
    table["_order"] = rank.reindex(table[S.POST_ID]).fillna(len(posts) + 1).to_numpy()
    return table


def write_disagreements(
    codes: pd.DataFrame,
    codebook: Codebook,
    path: str | Path,
    *,
    coders: Sequence[str] | None = None,
    corpus: Corpus | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Write the disagreement workbook (see the module docstring); return its rows.

    Raises :class:`~chatcode.errors.AgreementError` when fewer than two coders/passes are
    compared or they have no post in common; the write is atomic and an existing file is
    replaced only with ``force``.
    """
    from openpyxl import Workbook

    path = Path(path)
    table = disagreement_table(codes, codebook, coders=coders, corpus=corpus)
    raters = [c for c in table.columns if c not in (S.POST_ID, *CONTEXT, S.DIMENSION, AGREE)]
    differ = table[~table[AGREE]].reset_index(drop=True)
    agreed = table[table[AGREE]]
    with atomic_file(path, force=force) as tmp:
        wb = Workbook()
        lists = _lists_sheet(wb, codebook)
        _main_sheet(wb.active, differ, raters, codebook, lists)
        _codebook_sheet(wb.create_sheet(CODEBOOK_SHEET), codebook)
        _hidden(wb.create_sheet(AGREED_SHEET), [S.POST_ID, S.DIMENSION, CODES],
                zip(agreed[S.POST_ID], agreed[S.DIMENSION], agreed[raters[0]], strict=True))
        _hidden(wb.create_sheet(CODES_SHEET), [S.DIMENSION, MULTIPLE, S.CODE],
                [(d.id, str(d.multiple).lower(), c) for d in codebook.dimensions
                 for c in d.code_ids])
        add_meta_sheet(wb, {"kind": KIND, "codebook_name": codebook.name,
                            "codebook_version": codebook.version,
                            "codebook_hash": codebook.hash, "coders": ", ".join(raters),
                            "coder": CONSENSUS, "pass": S.CONSENSUS_PASS,
                            "disagreements": len(differ), "agreed": len(agreed)})
        wb.save(tmp)
    return differ.drop(columns=[AGREE])


def _text(ws, row: int, col: int, value: object, **style) -> None:
    text = "" if value is None else str(value)  # control characters escaped; never cut
    cell = ws.cell(row=row, column=col, value=excel_text(text, Location(None, ws.title, row)))
    cell.data_type = "s"  # never a formula
    for name, val in style.items():
        setattr(cell, name, val)


def _main_sheet(ws, differ: pd.DataFrame, raters: list[str], codebook: Codebook,
                lists: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.title = SHEET
    headers = [S.POST_ID, *CONTEXT, S.DIMENSION, *raters, CONSENSUS, NOTE]
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", fgColor="FFF2CC")
    for col, h in enumerate(headers, 1):
        _text(ws, 1, col, h, font=bold, fill=fill if h == CONSENSUS else PatternFill())
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(h, 18)
    values = differ[[S.POST_ID, *CONTEXT, S.DIMENSION, *raters]].to_numpy(dtype=object)
    for r, row in enumerate(values, 2):
        for col, v in enumerate(row, 1):
            _text(ws, r, col, v, alignment=wrap)
    ws.column_dimensions["A"].hidden = True
    ws.freeze_panes = "B2"
    _validations(ws, differ[S.DIMENSION].tolist(), codebook, lists,
                 get_column_letter(headers.index(CONSENSUS) + 1))


def _validations(ws, dims: list[str], codebook: Codebook, lists: dict[str, str],
                 letter: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    for d in codebook.dimensions:
        rows = [r for r, dim in enumerate(dims, 2) if dim == d.id]
        if not rows:
            continue
        ids = ", ".join(d.code_ids)
        if d.multiple:
            dv = DataValidation(showInputMessage=True, promptTitle=d.id[:32],
                                prompt=f"Code ids separated by commas, or {NONE}: {ids}"[:255])
        else:
            dv = DataValidation(type="list", formula1=lists[d.id], allow_blank=True,
                                showErrorMessage=True, errorTitle="Not a code",
                                error=f"Choose a code of {d.id} or {NONE}.",
                                showInputMessage=True, promptTitle=d.id[:32],
                                prompt="Choose the code the coders agreed on.")
        for r in rows:
            dv.add(f"{letter}{r}")
        ws.add_data_validation(dv)


def _lists_sheet(wb, codebook: Codebook) -> dict[str, str]:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(LISTS_SHEET)
    ranges = {}
    single = [d for d in codebook.dimensions if not d.multiple]
    for col, d in enumerate(single, 1):
        choices = [*d.code_ids, NONE]
        for r, value in enumerate(choices, 1):
            _text(ws, r, col, value)
        letter = get_column_letter(col)
        ranges[d.id] = f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(choices)}"
    ws.sheet_state = "hidden"
    return ranges


def _codebook_sheet(ws, codebook: Codebook) -> None:
    from openpyxl.styles import Alignment, Font

    head = [S.DIMENSION, "type", S.CODE, "label", "definition"]
    for col, h in enumerate(head, 1):
        _text(ws, 1, col, h, font=Font(bold=True))
    r = 2
    for d in codebook.dimensions:
        kind = "multiple" if d.multiple else "single"
        rows = [(d.id, kind, c.id, c.label, c.definition) for c in d.codes]
        if not d.multiple:
            rows.append((d.id, kind, NONE, f"No code of {d.label}", "Coded, none applies."))
        for values in rows:
            for col, v in enumerate(values, 1):
                _text(ws, r, col, v, alignment=Alignment(wrap_text=True, vertical="top"))
            r += 1
    for letter, width in zip("ABCDE", (14, 10, 18, 26, 60), strict=True):
        ws.column_dimensions[letter].width = width


def _hidden(ws, header: list[str], rows) -> None:
    ws.append(header)
    for r, values in enumerate(rows, 2):
        for col, v in enumerate(values, 1):
            _text(ws, r, col, v)
    ws.sheet_state = "hidden"


# --- reading the settled workbook ---------------------------------------------------------

def read_disagreements(path: str | Path, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """The consensus codes of a settled disagreement workbook, as a codes table.

    Coder and pass are both ``consensus``. Raises :class:`~chatcode.errors.CodingError`
    when the file is not a disagreement workbook, was made from another codebook than
    ``codebook``, or a consensus cell is empty or invalid (each such cell named).
    """
    path = Path(path)
    meta = read_meta(path)
    if meta is None or meta.get("kind") != KIND:
        raise CodingError("not a disagreement workbook written by chatcode agree",
                          where=Location(path), hint="give the workbook written by "
                          "chatcode agree --disagreements FILE.xlsx, with the consensus filled")
    structure = _structure(path, meta, codebook)
    problems: list[Problem] = []
    settled = _read_consensus(path, structure, problems)
    agreed = read_table(path, sheet=AGREED_SHEET).data.rename(columns={CODES: CONSENSUS})
    agreed_sets = _parse_cells(agreed, structure, problems, path, AGREED_SHEET)
    if problems:
        raise Problems.of(CodingError, problems,
                          title=f"{path}: {len(problems)} consensus cell(s) to fix"
                          if len(problems) > 1 else None)
    units = pd.concat([settled, agreed_sets], ignore_index=True)
    clash = units.duplicated([S.POST_ID, S.DIMENSION], keep=False)
    if clash.any():
        first = units[clash].iloc[0]
        raise CodingError(f"post {first[S.POST_ID]}, dimension {first[S.DIMENSION]} appears "
                          "more than once", where=Location(path, SHEET),
                          hint="keep one row per post and dimension (rows copied?)")
    return _codes_frame(units, structure, meta, path)


def _structure(path: Path, meta: dict[str, str],
               codebook: Codebook | None) -> dict[str, tuple[bool, tuple[str, ...]]]:
    """Dimension -> (multiple, code ids), from the codebook or the hidden ``_codes`` sheet."""
    if codebook is not None:
        check_codebook(meta, codebook, path, made="the workbook was made with",
                       hint="give the codebook the agreement was computed with")
        return {d.id: (d.multiple, d.code_ids) for d in codebook.dimensions}
    if CODES_SHEET not in sheet_names(path):
        raise CodingError("the hidden sheet _codes is missing", where=Location(path),
                          hint="give the codebook (--codebook) to read the workbook")
    data = read_table(path, sheet=CODES_SHEET).data
    out: dict[str, tuple[bool, tuple[str, ...]]] = {}
    for dim, multiple, code in zip(data[S.DIMENSION], data[MULTIPLE], data[S.CODE],
                                   strict=True):
        m, ids = out.get(str(dim), (str(multiple) == "true", ()))
        out[str(dim)] = (m, (*ids, str(code)))
    return out


def _read_consensus(path: Path, structure: dict, problems: list[Problem]) -> pd.DataFrame:
    if SHEET not in sheet_names(path):
        raise CodingError(f'the sheet "{SHEET}" is missing', where=Location(path),
                          hint="use the workbook as chatcode agree wrote it")
    data = read_table(path, sheet=SHEET).data
    missing = [c for c in (S.POST_ID, S.DIMENSION, CONSENSUS) if c not in data.columns]
    if missing:
        raise CodingError(f"the column(s) {', '.join(missing)} are missing",
                          where=Location(path, SHEET, 1),
                          hint="restore the header row as chatcode agree wrote it")
    return _parse_cells(data, structure, problems, path, SHEET)


def _parse_cells(data: pd.DataFrame, structure: dict, problems: list[Problem], path: Path,
                 sheet: str) -> pd.DataFrame:
    """``post_id, dimension, codes`` (a frozenset) per row; problems name each bad cell."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(list(data.columns).index(CONSENSUS) + 1)
    cache: dict[tuple[str, str], object] = {}
    out = []
    posts = S.as_id(data[S.POST_ID])
    for pid, dim, raw, row in zip(posts, data[S.DIMENSION], data[CONSENSUS], data[S.ROW],
                                  strict=True):
        where = Location(path, sheet, int(row), CONSENSUS)
        dim = _cell(dim)
        if pid is None or pd.isna(pid) or dim not in structure:
            problems.append(Problem(f"row {row} has no post id or an unknown dimension "
                                    f"{dim!r}", where, "restore the post_id and dimension "
                                    "cells as chatcode wrote them"))
            continue
        key = (dim, _cell(raw))
        if key not in cache:
            cache[key] = _parse(key[1], *structure[dim])
        parsed = cache[key]
        if isinstance(parsed, str):
            problems.append(Problem(f"cell {letter}{row} (post {pid}, {dim}): {parsed}",
                                    where, _hint(dim, *structure[dim])))
            continue
        out.append((str(pid), dim, parsed))
    return pd.DataFrame(out, columns=[S.POST_ID, S.DIMENSION, CODES])


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _parse(text: str, multiple: bool, code_ids: tuple[str, ...]) -> frozenset | str:
    """The codes in a consensus cell, or the problem with it (a string)."""
    tokens = [t.strip().lower() for t in text.replace(";", ",").split(",") if t.strip()]
    if not tokens:
        return "the consensus is empty"
    if tokens in ([NONE], [f"({NONE})"]):
        return frozenset()
    unknown = [t for t in tokens if t not in code_ids]
    if unknown:
        return f"unknown code(s) {', '.join(repr(t) for t in unknown)}"
    if not multiple and len(set(tokens)) > 1:
        return f"{len(set(tokens))} codes in a single-choice dimension"
    return frozenset(tokens)


def _hint(dim: str, multiple: bool, code_ids: tuple[str, ...]) -> str:
    ids = ", ".join(code_ids)
    if multiple:
        return f"type the agreed code ids separated by commas ({ids}), or {NONE}"
    return f"choose one code of {dim} from the dropdown ({ids}), or {NONE}"


def _codes_frame(units: pd.DataFrame, structure: dict, meta: dict[str, str],
                 path: Path) -> pd.DataFrame:
    frames = []
    for dim, (_, code_ids) in structure.items():
        sub = units[units[S.DIMENSION] == dim]
        for code in code_ids:
            frames.append(pd.DataFrame({
                S.POST_ID: sub[S.POST_ID].to_numpy(), S.DIMENSION: dim, S.CODE: code,
                S.VALUE: np.fromiter((code in s for s in sub[CODES]), dtype=np.int64,
                                     count=len(sub))}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[S.POST_ID, S.DIMENSION, S.CODE, S.VALUE])
    out.insert(1, S.CODER, CONSENSUS)
    out.insert(2, S.PASS, S.CONSENSUS_PASS)
    out[S.CODED_AT] = pd.Timestamp(path.stat().st_mtime_ns, unit="ns", tz="UTC")
    out[S.CODEBOOK_HASH] = meta.get("codebook_hash", "")
    order = {d: i for i, d in enumerate(structure)}
    out["_d"] = out[S.DIMENSION].map(order)
    out = out.sort_values([S.POST_ID, "_d"], kind="stable").drop(columns="_d")
    for col in (S.POST_ID, S.CODER, S.PASS, S.DIMENSION, S.CODE, S.CODEBOOK_HASH):
        out[col] = out[col].astype("str")
    out[S.CODED_AT] = out[S.CODED_AT].astype("datetime64[ns, UTC]")
    return out.reset_index(drop=True)

