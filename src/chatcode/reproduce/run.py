"""Reproduce a study's published figures from a sample folder, through the public pipeline.

A sample folder holds ``sample.yaml`` (the manifest: exports, roles, codebook, coding
sheets, which coder/pass gives the tables, which passes give the agreement figures) and the
``published.yaml`` of :mod:`chatcode.reproduce.published`. :func:`reproduce` ingests the exports
(and the bulk-export JSONL, which must give the same corpus), reads the codes, computes
agreement and every table with the normal public functions, and compares each published
figure with the reproduced one.

>>> figures = chatcode.reproduce.reproduce()        # the bundled DiabPeerS sample  # doctest: +SKIP
>>> figures[~figures["match"]]                                                      # doctest: +SKIP

Notes
-----
- A reproduced number is rounded half up to the printed decimals and compared as text:
  printed ``"0.54"`` matches 0.5393 (``"0.54"``). Stars are compared exactly, under the
  default test of ``chatcode tables`` (two-sided Mann-Whitney U, tie correction, no
  continuity correction). Percentages of support posts are of the posts with at least one
  code of the dimension.
- ``kappa_min`` figures use the gate of ``chatcode agree --min-kappa``
  (:data:`chatcode.reliability.agreement.GATE_RULE`) with a strict bound: every defined
  kappa, rare codes included, must exceed it; codes that never vary pass and are named.
  The minimum over the defined kappas is reported.
- Design figures: groups, moderators and participants are counted from the corpus (distinct
  authors by role); months are the time span of the posts / 30.44 days, rounded.
- Qualitative figures are evaluated by their ``check`` (see :data:`CHECKS`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeError, Location, Problem, Problems

__all__ = ["FIGURE_COLUMNS", "Reproduction", "ReproduceError", "bundled_sample",
           "format_printed", "load_sample", "reproduce", "run_sample"]

FIGURE_COLUMNS = ("id", "where", "published", "reproduced", "precision", "match", "note")
SAMPLE_FILE = "sample.yaml"
DAYS_PER_MONTH = 30.44
KAPPA, RARE = "kappa", "rare"   # columns of chatcode.reliability.agreement's result tables
REQUIRED = ("name", "published", "codebook", "exports", "codes", "tables")


class ReproduceError(ChatcodeError):
    """A sample folder or its manifest cannot be used."""


# --- the sample folder --------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """A sample folder's manifest with every path made absolute."""

    folder: Path
    name: str
    published: Path
    codebook: Path
    exports: tuple[Path, ...]
    exports_jsonl: Path | None
    roles: Path | None
    timezone: str | None
    codes: tuple[Path, ...]
    coder: str | None
    pass_: str | None
    agreement: dict[str, list[str]] = field(default_factory=dict)


def bundled_sample() -> Path:
    """The bundled DiabPeerS sample: ``data/samples/diabpeers`` of the source checkout."""
    import chatcode

    folder = Path(chatcode.__file__).resolve().parents[2] / "data" / "samples" / "diabpeers"
    if not (folder / SAMPLE_FILE).is_file():
        raise ReproduceError(
            "the bundled sample is not here (chatcode is not installed from a source "
            "checkout, or the sample was not generated)", where=Location(folder),
            hint="pass the sample folder: chatcode reproduce PATH/TO/data/samples/diabpeers")
    return folder


def load_sample(folder: str | Path) -> Sample:
    """Read and check ``sample.yaml`` of a sample folder; every listed file must exist."""
    import yaml

    folder = Path(folder)
    manifest = folder / SAMPLE_FILE if folder.is_dir() else folder
    folder = manifest.parent
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReproduceError(f"cannot read the sample manifest: {exc}",
                             where=Location(manifest),
                             hint="give a folder with a sample.yaml (see docs/reproduce.md)"
                             ) from None
    if not isinstance(data, dict):
        raise ReproduceError("not a sample manifest", where=Location(manifest),
                             hint="see docs/reproduce.md for its keys")
    problems = [Problem(f"missing key {k!r}", Location(manifest),
                        "see docs/reproduce.md for the keys of sample.yaml")
                for k in REQUIRED if k not in data]
    paths = {k: [data[k]] if isinstance(data.get(k), str) else list(data.get(k) or [])
             for k in ("published", "codebook", "exports", "exports_jsonl", "roles", "codes")}
    for key, items in paths.items():
        for item in items:
            if not (folder / item).exists():
                problems.append(Problem(f"{key}: {item} does not exist", Location(manifest),
                                        "paths are relative to the folder of sample.yaml"))
    if problems:
        raise Problems.of(ReproduceError, problems)
    tables = data.get("tables") or {}
    one = {k: (folder / v[0]).resolve() if v else None for k, v in paths.items()}
    return Sample(folder, str(data["name"]), one["published"], one["codebook"],
                  tuple((folder / p).resolve() for p in paths["exports"]),
                  one["exports_jsonl"], one["roles"], data.get("timezone"),
                  tuple((folder / p).resolve() for p in paths["codes"]),
                  tables.get("coder"), tables.get("pass"),
                  {k: list(v) for k, v in (data.get("agreement") or {}).items()})


# --- formatting and comparing ------------------------------------------------------------------

def decimals_of(printed: str) -> int:
    """Decimals of a printed number: "0.54" -> 2, "55" -> 0."""
    _, _, frac = str(printed).strip().partition(".")
    return len(frac)


def format_printed(value: float, decimals: int) -> str:
    """``value`` rounded half up to ``decimals``, as printed: (0.5393, 2) -> "0.54"."""
    if value is None or not np.isfinite(value):
        return "n/a"
    q = Decimal(1).scaleb(-decimals)
    text = str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def _figure(fid: str, where: object, published: object, reproduced: object, *,
            precision: str = "", match: bool | None = None, note: str = "") -> dict:
    published, reproduced = str(published), str(reproduced)
    return {"id": fid, "where": str(where or ""), "published": published,
            "reproduced": reproduced, "precision": precision,
            "match": bool(published == reproduced) if match is None else bool(match),
            "note": note}


def _number(fid: str, where: object, printed: str, value: float, note: str = "") -> dict:
    d = decimals_of(printed)
    return _figure(fid, where, printed, format_printed(value, d),
                   precision=f"{d} decimal(s)", note=note)


# --- running the pipeline ------------------------------------------------------------------------

@dataclass
class Reproduction:
    """What :func:`run_sample` computed: the figures, the tables, and the timings."""

    sample: Sample
    figures: pd.DataFrame
    tables: list
    coded: Any
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return int(self.figures["match"].sum())

    def to_dict(self) -> dict[str, Any]:
        return {"figures": self.figures.to_dict("records"), "matched": self.matched,
                "total": len(self.figures)}


def reproduce(sample_dir: str | Path | None = None) -> pd.DataFrame:
    """Every published figure of a sample, published vs reproduced: one row per figure.

    ``sample_dir``: a sample folder (default: the bundled DiabPeerS sample). Columns
    ``id, where, published, reproduced, precision, match, note``. See the module Notes.
    """
    return run_sample(sample_dir).figures


def run_sample(sample_dir: str | Path | None = None) -> Reproduction:
    """Run the whole pipeline on a sample folder and compare with its published figures."""
    import warnings

    from chatcode.codebook import load_codebook
    from chatcode.coding.codes import read_codes
    from chatcode.engagement.coded import coded_posts
    from chatcode.errors import ChatcodeWarning
    from chatcode.reproduce.published import load_published
    from chatcode.tables.layouts import build_tables

    sample = load_sample(sample_dir if sample_dir is not None else bundled_sample())
    clock, seconds = time.perf_counter(), {}
    published = load_published(sample.published)
    corpus = _ingest(sample, sample.exports)
    seconds["ingest"] = time.perf_counter() - clock
    figures = []
    if sample.exports_jsonl is not None:
        figures.append(_same_corpus(corpus, _ingest(sample, [sample.exports_jsonl])))
    seconds["jsonl"] = time.perf_counter() - clock - sum(seconds.values())
    codebook = load_codebook(sample.codebook)
    codes = read_codes(list(sample.codes), codebook=codebook, corpus=corpus)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ChatcodeWarning)
        coded = coded_posts(corpus, codes, codebook, coder=sample.coder, pass_=sample.pass_)
    declared = {t.id for t in codebook.tables}
    wanted = [str(t["id"]) for t in published.get("tables") or [] if str(t["id"]) in declared]
    extra = [i for i in ("9", "11", "latency") if i in declared or i == "latency"]
    tables = build_tables(coded, tables=list(dict.fromkeys(wanted + extra)))
    seconds["tables"] = time.perf_counter() - clock - sum(seconds.values())
    by_id = {t.id: t for t in tables}
    figures += _table_figures(published, by_id)
    figures += _other_figures(published, by_id, coded, codes, codebook, sample)
    seconds["figures"] = time.perf_counter() - clock - sum(seconds.values())
    notes = [str(w.message) for w in caught]
    frame = pd.DataFrame(figures, columns=list(FIGURE_COLUMNS))
    if notes:
        frame.attrs["notes"] = notes
    return Reproduction(sample, frame, tables, coded, seconds)


def _ingest(sample: Sample, files) -> Any:
    from chatcode.ingest import ingest

    return ingest(list(files), timezone=sample.timezone,
                  roles=sample.roles if sample.roles else None)


CONTENT_KEY = (S.GROUP, S.TIMESTAMP, S.AUTHOR, S.TEXT)


def _canonical(corpus) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Posts and reactions with ids replaced by the post's rank in content order.

    A bulk export has no post ids (chatcode derives them from the content), so two exports
    of one protocol are compared by content: group, time, author, text, the post replied to,
    attachments, role; reactions by the post they are on, author, emoji and time.
    """
    posts = corpus.posts[list(S.POST_COLUMNS)].sort_values(list(CONTENT_KEY), kind="stable")
    rank = pd.Series(np.arange(len(posts)).astype(str), index=posts[S.POST_ID].to_numpy())
    ids = posts[S.POST_ID].reset_index(drop=True)
    posts = posts.assign(**{S.POST_ID: rank.to_numpy(),
                            S.PARENT_ID: posts[S.PARENT_ID].map(rank)}).reset_index(drop=True)
    cols = [c for c in S.REACTION_COLUMNS if c in corpus.reactions.columns]
    reactions = corpus.reactions[cols].assign(
        **{S.POST_ID: corpus.reactions[S.POST_ID].map(rank)}).astype("str")
    return posts, reactions.sort_values(cols).reset_index(drop=True), ids


def _same_corpus(xlsx, jsonl) -> dict:
    a_posts, a_reac, a_ids = _canonical(xlsx)
    b_posts, b_reac, b_ids = _canonical(jsonl)
    problems = []
    if len(a_posts) != len(b_posts) or len(a_reac) != len(b_reac):
        problems.append(f"{len(a_posts)} vs {len(b_posts)} posts, {len(a_reac)} vs "
                        f"{len(b_reac)} reactions")
    else:
        for col in S.POST_COLUMNS:
            a, b = a_posts[col], b_posts[col]
            differ = int((~((a == b).fillna(False) | (a.isna() & b.isna()))).sum())
            if differ:
                problems.append(f"{differ} post(s) differ in {col}")
        if not a_reac.equals(b_reac):
            problems.append("the reactions differ")
    same_ids = len(a_ids) == len(b_ids) and bool((a_ids == b_ids).all())
    note = "; ".join(problems) or (f"{len(a_posts)} posts, {len(a_reac)} reactions; post ids "
                                   + ("identical" if same_ids else "differ (the bulk export "
                                      "has none: compared by content)"))
    return _figure("jsonl_export", "sample.yaml: exports_jsonl",
                   "same corpus as the xlsx exports",
                   "same corpus" if not problems else "different corpus",
                   match=not problems, note=note)


# --- the figures ---------------------------------------------------------------------------------

def _table_figures(published: Mapping, by_id: dict) -> list[dict]:
    out = []
    for spec in published.get("tables") or []:
        tid, where = str(spec["id"]), spec.get("where", f"Table {spec['id']}")
        table = by_id.get(tid)
        data = table.data.set_index(S.CODE) if table is not None else None
        for row in spec.get("rows") or []:
            code, base = row["code"], f"{tid}/{row['code']}"
            cells = [(f"{base}/{side}/{key}", value, side, key)
                     for side in ("with", "without") for key, value in
                     (row.get(side) or {}).items()
                     if key != "stars" or spec.get("stars_printed")]
            for fid, printed, side, key in cells:
                if data is None or code not in data.index:
                    out.append(_figure(fid, where, printed, "not computed", match=False,
                                       note=f"the codebook declares no table {tid!r} with "
                                       f"code {code!r}"))
                    continue
                out.append(_cell_figure(fid, where, str(printed), data.loc[code], side, key,
                                        table.test))
    return out


def _cell_figure(fid: str, where: str, printed: str, row: pd.Series, side: str, key: str,
                 test: str | None) -> dict:
    if key == "stars":
        return _figure(fid, where, printed or "(none)", row[S.STARS] or "(none)",
                       precision="exact", note=f"p = {row[S.P_VALUE]:.4f} ({test})")
    column = {("with", "mean"): S.MEAN_WITH, ("with", "sd"): S.SD_WITH,
              ("without", "mean"): S.MEAN_WITHOUT, ("without", "sd"): S.SD_WITHOUT,
              ("with", "n"): S.N_WITH, ("without", "n"): S.N_WITHOUT,
              ("with", "pct_of_all_posts"): S.PCT_WITH}.get((side, key))
    if column is None:
        return _figure(fid, where, printed, "not computed", match=False,
                       note=f"unknown cell field {key!r}")
    n = row[S.N_WITH] if side == "with" else row[S.N_WITHOUT]
    return _number(fid, where, printed, float(row[column]), note=f"n = {int(n)}")


def _other_figures(published: Mapping, by_id: dict, coded, codes: pd.DataFrame, codebook,
                   sample: Sample) -> list[dict]:
    out = []
    for fig in published.get("figures") or []:
        kind = fig.get("kind")
        try:
            if kind in ("pct", "count"):
                out.append(_share_figure(fig, coded))
            elif kind == "qualitative":
                out.append(_check_figure(fig, coded))
            elif kind == "duration":
                out.append(_latency_figure(fig, by_id["latency"].data))
            elif kind == "kappa_min":
                passes = sample.agreement.get(fig["id"]) or fig.get("passes") or []
                out.append(_kappa_figure(fig, passes, codes, codebook))
            elif kind == "design":
                out.append(_design_figure(fig, coded.corpus, sample.roles))
            else:
                out.append(_figure(fig["id"], fig.get("where"), fig.get("value"),
                                   "not computed", match=False,
                                   note=f"figures of kind {kind!r} are not reproduced"))
        except ChatcodeError as exc:
            out.append(_figure(fig["id"], fig.get("where"), fig.get("value"), "error",
                               match=False, note=str(exc)))
    return out


def _share_figure(fig: Mapping, coded) -> dict:
    from chatcode.tables.layouts import support_characteristics_table

    dim, code = fig["dimension"], fig["code"]
    units, codes = coded.codes_of(dim)
    has = ((codes.to_numpy() == 1).any(axis=1) if code == "any"
           else codes[code].to_numpy() == 1)
    n = int(has.sum())
    if fig["kind"] == "count":
        return _figure(fig["id"], fig.get("where"), fig["value"], n, precision="exact")
    if fig.get("pct_of", "all_posts") == "all_posts":
        return _number(fig["id"], fig.get("where"), fig["value"], 100 * n / len(units),
                       note=f"{n} of {len(units)} posts")
    table = support_characteristics_table(coded, dimension=dim).set_index(S.CODE)
    n_support = int((codes.to_numpy() == 1).any(axis=1).sum())
    return _number(fig["id"], fig.get("where"), fig["value"],
                   float(table.loc[code, S.PCT_OF_SUPPORT_POSTS]),
                   note=f"{n} of {n_support} support posts")


def _latency_figure(fig: Mapping, data: pd.DataFrame) -> dict:
    row = data[data[S.GROUP] == S.ALL_GROUPS].iloc[0]
    hours = fig.get("hours")
    hours_ok = hours is None or format_printed(row[S.MEAN_HOURS], decimals_of(hours)) == hours
    return _figure(fig["id"], fig.get("where"), fig["value"], row[S.FORMATTED],
                   precision="minutes",
                   match=row[S.FORMATTED] == fig["value"] and hours_ok,
                   note=f"mean of {int(row[S.N])} reply delays = {row[S.MEAN_HOURS]:.4f} h"
                   + (f" (published {hours} h)" if hours else ""))


def _kappa_figure(fig: Mapping, passes: list[str], codes: pd.DataFrame, codebook) -> dict:
    """A published "kappa > bound": the same gate as ``chatcode agree --min-kappa``
    (:data:`chatcode.reliability.agreement.GATE_RULE`), with a strict bound."""
    from chatcode.reliability.agreement import agreement

    result = agreement(codes, codebook, coders=list(passes) or None)
    bound = float(fig["value"])
    failing = result.below(bound, strict=True)
    kappas = pd.concat([result.codes[KAPPA], result.dimensions[KAPPA]]).astype("float64")
    kappas = kappas[np.isfinite(kappas)]
    low = float(kappas.min()) if len(kappas) else float("nan")
    flat = result.without_variation()
    rare = int(result.codes[RARE].astype(bool).sum())
    note = (f"{len(kappas)} defined kappa(s) over {result.n_units} posts ({rare} rare code(s) "
            f"included); {len(flat)} code(s) never vary and pass")
    if len(failing):
        note += "; failing: " + ", ".join(f"{r.dimension}:{r.code or '(nominal)'}"
                                          for r in failing.itertuples())
    return _figure(fig["id"], fig.get("where"), f"kappa > {fig['value']}",
                   f"min kappa {format_printed(low, 3)}", precision="3 decimals",
                   match=len(kappas) > 0 and not len(failing), note=note)


def _people(corpus, roles: Path | None) -> pd.DataFrame:
    """Every person with a role: post authors (role from the corpus) and people who only
    reacted (role from the roles file, else participant)."""
    from chatcode.corpus.roles import read_roles

    people = corpus.posts[[S.AUTHOR, S.ROLE]].drop_duplicates(S.AUTHOR).assign(posted=True)
    listed = {name: role for role, names in (read_roles(roles) if roles else {}).items()
              for name in names}
    others = sorted(set(corpus.reactions[S.AUTHOR].dropna()) - set(people[S.AUTHOR]))
    extra = pd.DataFrame({S.AUTHOR: others, S.ROLE: [listed.get(a, S.PARTICIPANT)
                                                     for a in others], "posted": False})
    return pd.concat([people, extra], ignore_index=True)


def _design_figure(fig: Mapping, corpus, roles: Path | None = None) -> dict:
    posts = corpus.posts
    fid = str(fig["id"])
    if fid == "groups":
        got, note = posts[S.GROUP].nunique(), "distinct groups"
    elif fid in ("moderators", "participants"):
        role = S.MODERATOR if fid == "moderators" else S.PARTICIPANT
        people = _people(corpus, roles)
        people = people[people[S.ROLE] == role]
        got = len(people)
        note = (f"distinct {role}s: {int(people['posted'].sum())} posted, "
                f"{int((~people['posted']).sum())} only reacted")
    elif fid == "duration_months":
        span = posts[S.TIMESTAMP].max() - posts[S.TIMESTAMP].min()
        days = span.total_seconds() / 86400
        got = format_printed(days / DAYS_PER_MONTH, 0)
        note = f"{days:.1f} days / {DAYS_PER_MONTH} days per month"
    else:
        return _figure(fid, fig.get("where"), fig.get("value"), "not computed", match=False,
                       note="unknown design figure: use groups, moderators, participants "
                       "or duration_months")
    return _figure(fid, fig.get("where"), fig["value"], got, precision="exact", note=note)


# --- qualitative checks --------------------------------------------------------------------------

CHECKS = {
    "most_posts": r"^(\w+) has the most posts of all topics$",
    "lower_mean": r"^mean responses of (\w+)((?:\s*(?:and\s*)?<\s*\w+)+)$",
    "moderators": r"^moderator share > 50% for most support codes; (\w+) mostly by moderators$",
}


def _check_figure(fig: Mapping, coded) -> dict:
    from chatcode.tables.layouts import support_characteristics_table, topics_table

    check = str(fig.get("check", "")).strip()
    dim = fig.get("dimension")
    holds, note = None, ""
    if m := re.match(CHECKS["most_posts"], check):
        t = topics_table(coded, dimension=dim)
        top = t.loc[t[S.N].idxmax()]
        holds, note = top[S.CODE] == m[1], f"most posts: {top[S.CODE]} ({int(top[S.N])})"
    elif m := re.match(CHECKS["lower_mean"], check):
        t = topics_table(coded, dimension=dim).set_index(S.CODE)
        others = re.findall(r"<\s*(\w+)", m[2])
        holds = all(t.loc[m[1], S.MEAN] < t.loc[o, S.MEAN] for o in others)
        note = ", ".join(f"{c}: {t.loc[c, S.MEAN]:.2f}" for c in [m[1], *others])
    elif m := re.match(CHECKS["moderators"], check):
        t = support_characteristics_table(coded, dimension=dim).set_index(S.CODE)
        used = t[t[S.N] > 0]
        most = int((used[S.PCT_MODERATOR] > 50).sum())
        holds = most > len(used) / 2 and t.loc[m[1], S.PCT_MODERATOR] > 50
        note = ", ".join(f"{c}: {p:.0f}% by moderators" for c, p in
                         used[S.PCT_MODERATOR].items())
    if holds is None:
        return _figure(fig["id"], fig.get("where"), check, "not evaluated", match=False,
                       note="unknown check: see chatcode.reproduce.CHECKS for the forms")
    return _figure(fig["id"], fig.get("where"), "holds", "holds" if holds else "does not hold",
                   precision="check", note=f"{check} ({note})")
