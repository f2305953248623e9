"""The engagement tables of a study: one function per table kind, each returning a DataFrame.

Kinds (declared in a codebook's ``tables:``, see docs/tables.md): ``with_without`` (Tables 7
and 10, goal setting: responses with and without each code, tested with
:mod:`chatcode.engagement.comparisons`),
``support_characteristics`` (Table 9), ``topics`` (Table 11),
``frequencies`` (codes by group and role), ``latency`` (:mod:`chatcode.engagement.latency`) and
``participation`` (per week, :mod:`chatcode.engagement.participation`). Their input is a
:class:`CodedPosts`: the corpus, one coder's codes, the codebook and the responses.

>>> coded = coded_posts(corpus, codes, codebook, coder="A", pass_="main")  # doctest: +SKIP
>>> with_without_table(coded, dimension="support")                         # doctest: +SKIP

Notes
-----
- Units are the posts (root posts and replies) the chosen coder coded in the chosen pass.
  Posts without codes are left out with a ChatcodeWarning giving their number
  (``strict=True``: an error). A table over a dimension uses the posts coded in it; the
  table's notes say how many other posts were left out.
- Responses are counted over the whole corpus (a reply counts even when it was not coded),
  with the options of :func:`chatcode.engagement.responses`.
- Percentages are 0-100; SD is the sample SD (ddof=1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chatcode.codebook import Codebook, Dimension, TableSpec
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, inferred_replies_note
from chatcode.engagement.coded import CLUSTERS, CodedPosts, coded_posts
from chatcode.engagement.comparisons import (
    compare_codes,
    describe,
    normalize_adjust,
    normalize_test,
)
from chatcode.errors import Location, TablesError

__all__ = ["BUILTIN_TABLES", "CodedPosts", "Table", "build_table", "build_tables",
           "coded_posts", "frequencies_table", "latency_table", "participation_table",
           "select_tables", "support_characteristics_table", "table_specs",
           "time_to_response_table", "topics_table",
           "with_without_table"]



# --- one function per table kind --------------------------------------------------------------

def _rows(dim: Dimension, rows: Sequence[str] | None) -> list[str]:
    if not rows:
        return list(dim.code_ids)
    unknown = [r for r in rows if r not in dim.code_ids]
    if unknown:
        raise TablesError(f"dimension {dim.id!r} has no code(s) {', '.join(unknown)}",
                          hint=f"its codes are {', '.join(dim.code_ids)}")
    return list(rows)


def _labels(dim: Dimension, rows: list[str], labels: dict[str, str] | None) -> list[str]:
    labels = labels or {}
    return [labels.get(r, dim.code(r).label) for r in rows]


def _pct(part: np.ndarray | int, whole: np.ndarray | int) -> np.ndarray:
    whole = np.asarray(whole, dtype="float64")
    return np.divide(100.0 * np.asarray(part, dtype="float64"), whole,
                     out=np.full(np.broadcast(part, whole).shape, np.nan), where=whole > 0)


def with_without_table(
    coded: CodedPosts,
    *,
    dimension: str,
    rows: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    test: str = "mannwhitney",
    continuity: bool = False,
    adjust: str | None = None,
    cluster: str | None = None,
) -> pd.DataFrame:
    """Responses of posts with and without each code of ``dimension`` (Tables 7, 10).

    One row per code (``rows``: code ids in row order, default the codebook's order):
    ``code, label, n_with, pct_with`` (% of the posts coded in the dimension), the columns
    of :func:`chatcode.compare.compare_codes` (mean/SD with and without, ``statistic``,
    ``p_value``, ``stars``, the test's extras, ``test``, ``note``). ``cluster``
    (``author`` or ``group``) gives cluster-robust SEs with ``test="negbin"``.
    """
    dim = coded.codebook.dimension(dimension)
    rows = _rows(dim, rows)
    if cluster is not None and cluster not in CLUSTERS:
        raise TablesError(f"cannot cluster by {cluster!r}",
                          hint=f"use one of {', '.join(CLUSTERS)}")
    units, codes = coded.codes_of(dimension)
    groups = units[cluster].rename(cluster) if cluster else None
    out = compare_codes(units[S.RESPONSES], codes[rows], test=test, continuity=continuity,
                        cluster=groups, adjust=adjust)
    out.insert(1, S.LABEL, pd.array(_labels(dim, rows, labels), dtype="str"))
    out.insert(3, S.PCT_WITH, _pct(out[S.N_WITH].to_numpy(), len(units)))
    return out


def support_characteristics_table(
    coded: CodedPosts,
    *,
    dimension: str = "support",
    rows: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The posts of each support type (Table 9): ``code, label, n, pct_of_support_posts,
    pct_of_all_posts, n_moderator, pct_moderator, n_participant, pct_participant, n_other,
    pct_other``.

    A peer-support post has at least one code of ``dimension`` (any code, also one not in
    ``rows``). ``pct_of_all_posts`` is over the posts coded in the dimension; the role
    shares (``pct_moderator`` ...) are of the code's own posts (``n``); ``other`` counts
    the roles team, bot and system.
    """
    dim = coded.codebook.dimension(dimension)
    rows = _rows(dim, rows)
    units, codes = coded.codes_of(dimension)
    n_support = int((codes.to_numpy() == 1).any(axis=1).sum())
    has = codes[rows].to_numpy() == 1
    n = has.sum(axis=0)
    out = pd.DataFrame({S.CODE: pd.array(rows, dtype="str"),
                        S.LABEL: pd.array(_labels(dim, rows, labels), dtype="str"),
                        S.N: n.astype("int64"), S.PCT_OF_SUPPORT_POSTS: _pct(n, n_support),
                        S.PCT_OF_ALL_POSTS: _pct(n, len(units))})
    is_mod = units[S.ROLE].eq(S.MODERATOR).to_numpy(dtype=bool)
    is_part = units[S.ROLE].eq(S.PARTICIPANT).to_numpy(dtype=bool)
    for count, pct, mask in ((S.N_MODERATOR, S.PCT_MODERATOR, is_mod),
                             (S.N_PARTICIPANT, S.PCT_PARTICIPANT, is_part),
                             (S.N_OTHER, S.PCT_OTHER, ~(is_mod | is_part))):
        k = (has & mask[:, None]).sum(axis=0)
        out[count] = k.astype("int64")
        out[pct] = _pct(k, n)
    return out


def support_summary(coded: CodedPosts, *, dimension: str = "support") -> dict[str, object]:
    """Posts coded in ``dimension``, how many are peer-support posts, and their share (%)."""
    units, codes = coded.codes_of(dimension)
    n_support = int((codes.to_numpy() == 1).any(axis=1).sum())
    return {"n_posts": len(units), "n_support_posts": n_support,
            "pct_support_posts": float(_pct(n_support, len(units)))}


def topics_table(
    coded: CodedPosts,
    *,
    dimension: str = "topic",
    rows: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Posts and responses per topic (Table 11): ``code, label, n, pct, mean, sd``.

    ``pct`` is over the posts coded in ``dimension``; ``mean`` and ``sd`` are of the
    responses to the posts with the code.
    """
    dim = coded.codebook.dimension(dimension)
    rows = _rows(dim, rows)
    units, codes = coded.codes_of(dimension)
    y = units[S.RESPONSES].to_numpy(dtype="float64")
    stats = [describe(y[codes[r].to_numpy() == 1]) for r in rows]
    n = np.array([s[0] for s in stats], dtype="int64")
    return pd.DataFrame({S.CODE: pd.array(rows, dtype="str"),
                         S.LABEL: pd.array(_labels(dim, rows, labels), dtype="str"),
                         S.N: n, S.PCT: _pct(n, len(units)),
                         S.MEAN: [s[1] for s in stats], S.SD: [s[2] for s in stats]})


def frequencies_table(
    coded: CodedPosts,
    *,
    dimension: str | None = None,
    rows: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Every code's share of the posts, overall, by group and by role (tidy, long).

    Columns ``dimension, code, label, by, level, n_posts, n, pct``: ``by`` is ``all``,
    ``group`` or ``role``; ``level`` the group or role (``all`` for ``by == "all"``);
    ``n_posts`` the posts of that level coded in the dimension, ``n`` those with the code.
    ``dimension=None``: every dimension of the codebook.
    """
    dims = ([coded.codebook.dimension(dimension)] if dimension
            else list(coded.codebook.dimensions))
    levels = {"all": (np.zeros(len(coded.units), dtype=np.int64), pd.Index(["all"]))}
    levels |= {by: pd.factorize(coded.units[by], sort=True) for by in (S.GROUP, S.ROLE)}
    counts = _code_counts(coded.values, levels)
    parts = [_frequencies(coded, d, _rows(d, rows if dimension else None), labels, levels,
                          counts) for d in dims]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=list(S.FREQUENCY_COLUMNS))


_COUNT_BLOCK = 1 << 18  # posts counted at a time: the temporary arrays stay small


def _code_counts(values: np.ndarray, by_level: dict) -> dict[str, np.ndarray]:
    """For each ``by``: the posts of each level with each code (levels x codes, integers).

    The cells holding a 1 (a post not coded in a dimension has none) are counted once, by
    every combination of levels (group x role) and code; each ``by`` sums the others out.
    """
    k = values.shape[1]
    sizes = [len(levels) for _, levels in by_level.values()]
    joint = np.zeros(len(values), dtype=np.int64)
    for (level, _), size in zip(by_level.values(), sizes, strict=True):
        joint = joint * size + level
    counts = np.zeros(int(np.prod(sizes)) * k, dtype=np.int64)
    step = _COUNT_BLOCK
    for lo in range(0, len(values), step):
        rows, cols = np.nonzero(values[lo:lo + step] == 1)
        counts += np.bincount(joint[lo + rows] * k + cols, minlength=len(counts))
    counts = counts.reshape(*sizes, k)
    axes = range(len(sizes))
    return {by: counts.sum(axis=tuple(a for a in axes if a != i))
            for i, by in enumerate(by_level)}


def _frequencies(coded: CodedPosts, dim: Dimension, rows: list[str],
                 labels: dict[str, str] | None, by_level: dict,
                 counts: dict[str, np.ndarray]) -> pd.DataFrame:
    where = coded._columns[dim.id]
    block = coded.values[:, where]
    coded_in = block[:, 0] >= 0
    every = bool(coded_in.all())
    columns = [where.start + dim.code_ids.index(r) for r in rows]
    names = _labels(dim, rows, labels)
    parts = []
    for by, (level, levels) in by_level.items():
        n_posts = np.bincount(level if every else level[coded_in], minlength=len(levels))
        n = np.ascontiguousarray(counts[by][:, columns].T).astype("int64")  # codes x levels
        parts.append(pd.DataFrame({
            S.DIMENSION: dim.id, S.CODE: np.repeat(rows, len(levels)),
            S.LABEL: np.repeat(names, len(levels)), S.BY: by,
            S.LEVEL: np.tile(np.asarray(levels, dtype=object), len(rows)),
            S.N_POSTS: np.tile(n_posts, len(rows)), S.N: n.reshape(-1),
            S.PCT: _pct(n, n_posts).reshape(-1)}))
    out = pd.concat(parts, ignore_index=True)
    for col in (S.DIMENSION, S.CODE, S.LABEL, S.BY, S.LEVEL):
        out[col] = out[col].astype("str")
    return out[list(S.FREQUENCY_COLUMNS)]


def latency_table(coded: CodedPosts | Corpus, *, by: str | None = "group",
                  quantile_method: str = "linear") -> pd.DataFrame:
    """Reply latency (:func:`chatcode.latency.latency`), overall and by group.

    With a :class:`CodedPosts`, the replies that count are those of its response options;
    the delays are over every reply of the corpus, coded or not.
    """
    from chatcode.engagement.latency import latency

    if isinstance(coded, CodedPosts):
        return latency(coded.corpus, by=by, include_self=coded.include_self,
                       responders=coded.responders, quantile_method=quantile_method)
    return latency(coded, by=by, quantile_method=quantile_method)


def participation_table(coded: CodedPosts | Corpus, *,
                        by: Sequence[str] = (S.GROUP, S.ROLE)) -> pd.DataFrame:
    """Posts and responses per programme week (:func:`chatcode.participation.participation`),
    over every post of the corpus."""
    from chatcode.engagement.participation import participation

    if isinstance(coded, CodedPosts):
        return participation(coded.corpus, by=by, responses=coded.responses)
    return participation(coded, by=by)


# --- the codebook's tables ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Table:
    """A built table: its spec (id, kind, title, dimension), its data, and what to print
    with it (the test used, notes, summary figures)."""

    spec: TableSpec
    data: pd.DataFrame
    test: str | None = None
    notes: tuple[str, ...] = ()
    summary: dict[str, object] = field(default_factory=dict)
    dimension_label: str | None = None
    effect_size: bool = False  # journal layouts show effect sizes and CIs of the means

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def title(self) -> str:
        return self.spec.title


BUILTIN_TABLES = (
    TableSpec("frequencies", "frequencies", None, "Code frequencies by group and role"),
    TableSpec("latency", "latency", None, "Delay between posts and replies"),
    TableSpec("participation", "participation", None,
              "Posts and responses per week, group and role"),
)
_OPTIONS = {"with_without": ("test", "continuity", "adjust", "cluster", "effect_size"),
            "time_to_response": ("by",),
            "latency": ("by", "quantile_method"), "participation": ("by",),
            "support_characteristics": (), "topics": (), "frequencies": ()}


def _defaults(codebook: Codebook) -> list[TableSpec]:
    out = []
    for d in codebook.dimensions:
        kind = "with_without" if d.multiple else "topics"
        out.append(TableSpec(f"{kind}_{d.id}", kind, d.id, f"{d.label}: responses"
                             if d.multiple else f"{d.label}: posts and responses"))
    return out + list(BUILTIN_TABLES)


def table_specs(codebook: Codebook) -> tuple[TableSpec, ...]:
    """Every table that can be built: the codebook's ``tables:`` (or, when it declares
    none, a with/without table per multiple-choice dimension and a topics table per
    single-choice one), then the built-in frequencies, latency and participation tables
    whose ids the codebook does not use."""
    declared = list(codebook.tables) or _defaults(codebook)[:-len(BUILTIN_TABLES)]
    ids = {t.id for t in declared}
    return tuple(declared + [t for t in BUILTIN_TABLES if t.id not in ids])


def select_tables(codebook: Codebook, tables: str | Sequence[str] = "all") -> list[TableSpec]:
    """The specs of ``tables``: ``"all"`` (the codebook's declared tables, or the defaults
    of :func:`table_specs` when it declares none) or table ids (``"7,10"`` or a list)."""
    ids = [tables] if isinstance(tables, str) else list(tables)
    ids = [i.strip() for part in ids for i in str(part).split(",") if i.strip()]
    specs = table_specs(codebook)
    if not ids or ids == ["all"]:
        return list(codebook.tables) if codebook.tables else list(specs)
    known = {t.id: t for t in specs}
    unknown = [i for i in ids if i not in known and i != "all"]
    if unknown:
        raise TablesError(f"the codebook {codebook.name!r} declares no table "
                          f"{', '.join(repr(i) for i in unknown)}",
                          where=Location(codebook.path) if codebook.path else None,
                          hint=f"the tables are {', '.join(known)} (or all)")
    out = select_tables(codebook) if "all" in ids else []
    return out + [known[i] for i in dict.fromkeys(ids) if i != "all" and known[i] not in out]


def _options(spec: TableSpec, overrides: dict[str, object]) -> dict[str, object]:
    allowed = _OPTIONS.get(spec.kind, ())
    unknown = [k for k, _ in spec.options if k not in allowed]
    if unknown:
        raise TablesError(f"table {spec.id!r} has the unknown option(s) "
                          f"{', '.join(unknown)}", hint=f"a {spec.kind} table takes "
                          f"{', '.join(allowed) or 'no options'}")
    opts = dict(spec.options)
    opts.update({k: v for k, v in overrides.items() if v is not None and k in allowed})
    return opts


def build_table(coded: CodedPosts, spec: TableSpec, **overrides: object) -> Table:
    """Build one table from its spec. ``overrides`` (``test``, ``continuity``, ``adjust``,
    ``cluster``, ``effect_size``; None = keep) replace the spec's options where the kind
    takes them."""
    table = _build(coded, spec, _options(spec, overrides))
    inferred = inferred_replies_note(coded.corpus.posts)
    notes = table.notes + ((inferred,) if inferred else ())
    label = (coded.codebook.dimension(spec.dimension).label if spec.dimension is not None
             else table.dimension_label)
    return Table(table.spec, table.data, table.test, notes, table.summary, label,
                 table.effect_size)


def _build(coded: CodedPosts, spec: TableSpec, opts: dict[str, object]) -> Table:
    labels = dict(spec.labels)
    dim_note = coded.not_coded_note(spec.dimension) if spec.dimension else None
    notes = (dim_note,) if dim_note else ()
    common = {"rows": spec.rows, "labels": labels}
    if spec.kind == "with_without":
        test = normalize_test(str(opts.get("test", "mannwhitney")))
        data = with_without_table(coded, dimension=spec.dimension, test=test,
                                  continuity=bool(opts.get("continuity", False)),
                                  adjust=normalize_adjust(opts.get("adjust")),
                                  cluster=opts.get("cluster"), **common)
        return Table(spec, data, str(data[S.TEST].iat[0]) if len(data) else None,
                     notes + _test_notes(data),
                     effect_size=bool(opts.get("effect_size", False)))
    if spec.kind == "support_characteristics":
        return Table(spec, support_characteristics_table(coded, dimension=spec.dimension,
                                                         **common), None, notes,
                     support_summary(coded, dimension=spec.dimension))
    if spec.kind == "topics":
        return Table(spec, topics_table(coded, dimension=spec.dimension, **common), None,
                     notes + _no_topic_note(coded, spec.dimension))
    if spec.kind == "frequencies":
        return Table(spec, frequencies_table(coded, dimension=spec.dimension, **common),
                     None, notes)
    if spec.kind == "latency":
        by = opts.get("by", "group")
        return Table(spec, latency_table(coded, by=None if by in ("none", "all") else by,
                                         quantile_method=str(opts.get("quantile_method",
                                                                      "linear"))))
    if spec.kind == "participation":
        by = opts.get("by", (S.GROUP, S.ROLE))
        return Table(spec, participation_table(coded, by=(by,) if isinstance(by, str)
                                               else tuple(by)))
    if spec.kind == "time_to_response":
        data, notes2 = time_to_response_table(coded, dimension=spec.dimension,
                                              by=opts.get("by", S.GROUP), rows=spec.rows)
        return Table(spec, data, None, notes + notes2)
    raise TablesError(f"table {spec.id!r} has the unknown kind {spec.kind!r}",
                      hint="use with_without, support_characteristics, topics, frequencies, "
                      "latency, participation or time_to_response")


def time_to_response_table(coded: CodedPosts, *, dimension: str | None = None,
                           by: str | None = S.GROUP, rows: Sequence[str] | None = None
                           ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Time to first response (:mod:`chatcode.engagement.survival`) and its notes.

    Without ``dimension``: Kaplan-Meier summaries of every post of the corpus, ``all`` and
    per ``by`` level (log-rank test across them in the notes). With ``dimension``: per code,
    the coded posts with vs without it (medians, log-rank, Cox hazard ratio).
    """
    from chatcode.engagement.survival import (
        compare_survival,
        survival_summary,
        time_to_response,
    )

    data = time_to_response(coded.corpus, responses=coded.responses)
    note = ("Time from a post to its first response (reply or reaction), censored at the end "
            "of its group's export; median by Kaplan-Meier with 95% CI")
    if dimension is None:
        out = survival_summary(data, by=None if by in (None, "none", "all") else by)
        lr = out.attrs.get("logrank")
        extra = ((f"log-rank test across {by}s: chi2 = {lr['chi2']:.2f}, df = {lr['df']}, "
                  f"p = {lr['p_value']:.3g}",) if lr else ())
        return out, (note, *extra)
    dim = coded.codebook.dimension(dimension)
    units, codes = coded.codes_of(dimension)
    pos = pd.Index(data[S.POST_ID]).get_indexer(units[S.POST_ID])
    keep = _rows(dim, rows)
    out = compare_survival(data.iloc[pos].reset_index(drop=True), codes[keep])
    out.insert(1, S.LABEL, pd.array(_labels(dim, keep, None), dtype="str"))
    return out, (note + "; log-rank test and Cox hazard ratio (HR > 1: answered sooner)",)


def _test_notes(data: pd.DataFrame) -> tuple[str, ...]:
    return tuple(f"{code}: {note}" for code, note in zip(data[S.CODE], data[S.NOTE],
                                                         strict=True) if note)


def _no_topic_note(coded: CodedPosts, dimension: str) -> tuple[str, ...]:
    units, codes = coded.codes_of(dimension)
    none = int((codes.to_numpy() != 1).all(axis=1).sum())
    return (f"{none} of the {len(units)} posts coded in {dimension!r} have none of its "
            "codes",) if none else ()


def build_tables(coded: CodedPosts, *, tables: str | Sequence[str] = "all",
                 adjust_family: str = "table", **overrides: object) -> list[Table]:
    """Build the tables ``tables`` (see :func:`select_tables`); ``overrides`` as in
    :func:`build_table` (e.g. ``test="welch"`` for every with/without table).

    ``adjust_family="all"`` adjusts the p-values of every with/without table together (one
    family of tests, :func:`chatcode.tables.family.adjust_across`) with the ``adjust``
    method (default Holm) instead of table by table.
    """
    from chatcode.tables.family import adjust_across

    if adjust_family not in ("table", "all"):
        raise TablesError(f"unknown p-value family {adjust_family!r}",
                          hint="use table (each table on its own) or all (every table)")
    built = [build_table(coded, spec, **overrides)
             for spec in select_tables(coded.codebook, tables)]
    if adjust_family == "all":
        built = adjust_across(built, method=overrides.get("adjust") or "holm")
    return built
