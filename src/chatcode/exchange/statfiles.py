"""The coded chat as a data file for statistics programs: SPSS ``.sav``, Stata ``.dta``, and
``.parquet``/``.feather`` for R and Python, with variable and value labels from the codebook.

:func:`analysis_frame` builds one row per coded post: its group, time, author (or pseudonym),
role, whether it is a reply, the response counts and the first-response delay, then the
codes: one 0/1 variable per code of a multiple-choice dimension, and one categorical
variable per single-choice dimension (``dummies=True``: 0/1 variables there too).
:func:`write_statfile` writes it by the file's suffix.

Notes
-----
- Variable names follow the strictest of the formats (Stata): at most 32 characters,
  lowercase ASCII letters, digits and ``_``, starting with a letter; names that are reserved
  words in SPSS or Stata (``by``, ``to``, ``if``, ``in``, ...) get a trailing ``_``; a name
  already taken gets ``_2``, ``_3``, ... A code's variable is ``<dimension>_<code>``
  (``support_informational``); a single-choice dimension's variable is its id (``topic``).
  :attr:`AnalysisFrame.variables` lists every name with its source.
- Values: 1 "present" / 0 "absent" for a code; for a single-choice dimension 1..k in codebook
  order labelled with the code labels and 0 "none" (coded, no code of the dimension). A post
  not coded in a dimension is system-missing there.
- Times are written in UTC (the variable label says so); SPSS and Stata have no time zones.
- The codebook name and version, the coder and pass, and the chatcode version go into the
  file label and notes (``.sav``), the data label (``.dta``), or the schema metadata
  (``.parquet``/``.feather``, key ``chatcode``; field metadata ``label`` and ``values``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.engagement.coded import CodedPosts
from chatcode.errors import ChatcodeError, Location

__all__ = ["STAT_SUFFIXES", "AnalysisFrame", "analysis_frame", "variable_name",
           "write_statfile"]

STAT_SUFFIXES = {".sav": "SPSS", ".dta": "Stata", ".parquet": "Parquet", ".feather": "Feather"}
MAX_NAME = 32
# Reserved words: SPSS (ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH) and Stata.
RESERVED = frozenset({
    "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",
    "byte", "double", "float", "if", "in", "int", "long", "using", "strl", "_all", "_b",
    "_coef", "_cons", "_n", "_pi", "_pred", "_rc", "_skip",
})
PRESENT = {0: "absent", 1: "present"}
NONE_LABEL = "none"

_BASE = [  # (variable, label, measure)
    (S.POST_ID, "Post id", "nominal"),
    (S.GROUP, "Chat group", "nominal"),
    (S.TIMESTAMP, "Time of the post (UTC)", "scale"),
    (S.AUTHOR, "Author (or pseudonym)", "nominal"),
    (S.ROLE, "Role of the author", "nominal"),
    ("is_reply", "The post replies to another post", "nominal"),
    (S.REPLIES, "Replies received", "scale"),
    (S.REACTIONS, "Reactions received", "scale"),
    (S.REPLY_REACTIONS, "Reactions to its replies", "scale"),
    (S.RESPONSES, "Responses (replies + reactions + reactions to replies)", "scale"),
    (S.FIRST_RESPONSE_HOURS, "Hours to the first response", "scale"),
]


@dataclass(frozen=True)
class AnalysisFrame:
    """One row per coded post, with the labels a statistics program needs.

    ``data``: the table. ``labels``: variable -> variable label. ``value_labels``: variable
    -> {value: label}. ``measures``: variable -> ``nominal``/``ordinal``/``scale``.
    ``variables``: one row per variable (``variable``, ``label``, ``dimension``, ``code``).
    ``notes``: lines for the file's notes.
    """

    data: pd.DataFrame
    labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]
    measures: dict[str, str]
    variables: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def variable_name(text: str, taken: set[str]) -> str:
    """A variable name valid in SPSS, Stata and R made from ``text`` (see the module Notes)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_]+", "_", ascii_.lower()).strip("_") or "v"
    if not name[0].isalpha():
        name = "v_" + name
    name = name[:MAX_NAME].rstrip("_")
    if name in RESERVED:
        name += "_"
    candidate, i = name, 2
    while candidate in taken:
        suffix = f"_{i}"
        candidate = name[:MAX_NAME - len(suffix)] + suffix
        i += 1
    taken.add(candidate)
    return candidate


def analysis_frame(coded: CodedPosts, *, dummies: bool = False) -> AnalysisFrame:
    """The coded posts of ``coded`` as one labelled table (see the module Notes)."""
    from chatcode import __version__

    units = coded.units
    data = pd.DataFrame({
        S.POST_ID: units[S.POST_ID].astype(str).to_numpy(),
        S.GROUP: units[S.GROUP].astype(str).to_numpy(),
        S.TIMESTAMP: pd.to_datetime(units[S.TIMESTAMP], utc=True).dt.tz_localize(None)
        .to_numpy(),
        S.AUTHOR: units[S.AUTHOR].astype(str).to_numpy(),
        S.ROLE: units[S.ROLE].astype(str).to_numpy(),
    })
    parents = coded.corpus.posts.set_index(S.POST_ID)[S.PARENT_ID]
    parent = parents.reindex(units[S.POST_ID].to_numpy())
    data["is_reply"] = (parent.notna() & parent.astype(str).str.len().gt(0)).astype(
        np.int8).to_numpy()
    for col in (S.REPLIES, S.REACTIONS, S.REPLY_REACTIONS, S.RESPONSES):
        data[col] = units[col].astype(np.int64).to_numpy()
    first = coded.responses.set_index(S.POST_ID)[S.FIRST_RESPONSE_HOURS]
    data[S.FIRST_RESPONSE_HOURS] = first.reindex(units[S.POST_ID].to_numpy()).astype(
        float).to_numpy()
    taken = {v for v, _, _ in _BASE}
    labels = {v: label for v, label, _ in _BASE}
    measures = {v: m for v, _, m in _BASE}
    value_labels: dict[str, dict[int, str]] = {"is_reply": {0: "no", 1: "yes"}}
    rows = [{"variable": v, "label": label, "dimension": "", "code": ""}
            for v, label, _ in _BASE]
    for dim in coded.codebook.dimensions:
        units_d, codes_d = coded.codes_of(dim.id)
        block = (codes_d.set_axis(units_d[S.POST_ID].to_numpy())
                 .reindex(units[S.POST_ID].to_numpy()).to_numpy(dtype=float))
        if dim.multiple or dummies:
            for j, code in enumerate(dim.codes):
                name = variable_name(f"{dim.id}_{code.id}", taken)
                data[name] = block[:, j] if len(dim.codes) else np.nan
                labels[name] = f"{dim.label}: {code.label}"
                value_labels[name] = dict(PRESENT)
                measures[name] = "nominal"
                rows.append({"variable": name, "label": labels[name], "dimension": dim.id,
                             "code": code.id})
        else:
            name = variable_name(dim.id, taken)
            weights = np.arange(1, len(dim.codes) + 1, dtype=float)
            coded_rows = ~np.isnan(block).any(axis=1) if len(dim.codes) else np.zeros(
                len(block), dtype=bool)
            values = np.full(len(block), np.nan)
            values[coded_rows] = np.nan_to_num(block[coded_rows]) @ weights
            data[name] = values
            labels[name] = dim.label
            value_labels[name] = {0: NONE_LABEL} | {i + 1: c.label
                                                   for i, c in enumerate(dim.codes)}
            measures[name] = "nominal"
            rows.append({"variable": name, "label": dim.label, "dimension": dim.id,
                         "code": ""})
    cb = coded.codebook
    notes = [f"chatcode {__version__}: coded chat, one row per coded post",
             f"codebook {cb.name} version {cb.version} (hash {cb.hash})",
             f"coder {coded.coder}, pass {coded.pass_}",
             "responses = replies + reactions + reactions to replies"
             + ("" if not coded.include_self else ", self-responses included")]
    return AnalysisFrame(data, labels, value_labels, measures, pd.DataFrame(rows), notes)


def write_statfile(frame: AnalysisFrame, path: str | Path, *, force: bool = False) -> Path:
    """Write ``frame`` as ``.sav``, ``.dta``, ``.parquet`` or ``.feather`` (by suffix)."""
    from chatcode._io.output import atomic_file

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in STAT_SUFFIXES:
        raise ChatcodeError(f"cannot write a {path.suffix or 'suffix-less'} file",
                            where=Location(path),
                            hint="use .sav (SPSS), .dta (Stata), .parquet or .feather")
    with atomic_file(path, force=force) as tmp:
        if suffix == ".sav":
            _write_sav(frame, tmp)
        elif suffix == ".dta":
            _write_dta(frame, tmp)
        else:
            _write_arrow(frame, tmp, suffix)
    return path


def _write_sav(frame: AnalysisFrame, tmp: Path) -> None:
    import pyreadstat

    pyreadstat.write_sav(frame.data, str(tmp), file_label=frame.notes[1][:64],
                         column_labels=frame.labels, note=frame.notes,
                         variable_value_labels=frame.value_labels,
                         variable_measure=frame.measures)


def _write_dta(frame: AnalysisFrame, tmp: Path) -> None:
    import pyreadstat

    labels = {k: v[:80] for k, v in frame.labels.items()}  # Stata: 80 characters
    too_long = [c for c in frame.data.columns if frame.data[c].dtype.kind not in "fiumM"
                and frame.data[c].astype(str).str.len().max() > 2045]
    if too_long:
        raise ChatcodeError(f"values longer than Stata's 2045 characters in {too_long}",
                            hint="write .sav or .parquet instead")
    pyreadstat.write_dta(frame.data, str(tmp), file_label=frame.notes[1][:80],
                         column_labels=labels, variable_value_labels=frame.value_labels)


def _write_arrow(frame: AnalysisFrame, tmp: Path, suffix: str) -> None:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame.data, preserve_index=False)
    fields = []
    for f in table.schema:
        meta = {"label": frame.labels.get(f.name, "")}
        if f.name in frame.value_labels:
            meta["values"] = json.dumps({str(k): v for k, v in frame.value_labels[f.name].items()},
                                        ensure_ascii=False)
        fields.append(f.with_metadata(meta))
    meta = dict(table.schema.metadata or {})
    meta[b"chatcode"] = json.dumps({"notes": frame.notes}, ensure_ascii=False).encode()
    table = table.cast(pa.schema(fields, metadata=meta))
    if suffix == ".parquet":
        pq.write_table(table, tmp)
    else:
        feather.write_feather(table, tmp)
