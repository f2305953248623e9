"""Agreement between coders (inter-coder) or between two passes of one coder (intra-coder).

``agreement(codes, codebook)`` compares every coder/pass combination found in a codes table
(``"A/main"``, ``"B/pretest"``, ...) and returns tidy DataFrames: one row per code (each code
a 0/1 variable), one per single-choice dimension (one nominal variable), and, for more than
two coders, one per pair of coders. The coefficients are in
:mod:`chatcode.reliability.coefficients`.

>>> result = chatcode.agreement(codes, codebook, coders=["A/main", "B/pretest"])  # doctest: +SKIP
>>> result.codes[["code", "n", "kappa", "ac1"]]                                 # doctest: +SKIP

Notes
-----
- Units are the posts coded by *all* compared coders/passes (a post is coded by a coder when
  the codes table has rows for it). Posts coded by only some of them are left out and
  counted in ``result.coverage`` and ``result.notes``. For more than two coders
  ``alpha_pairable`` is Krippendorff's alpha over every post coded by at least two of them
  (missing data), with ``n_pairable`` posts.
- A code is compared on the posts where every coder has its row. A single-choice dimension
  is one nominal variable whose categories are its codes plus ``none`` (coded, no code);
  PABAK and AC1 use that whole scale (codes + 1 categories), used or not.
- ``kappa`` is Cohen's kappa for two coders and Conger's kappa (its generalisation) for
  more; ``kappa_se`` and the asymptotic CI (``kappa ± z·SE``, clipped to [-1, 1]) are given
  for two coders (Fleiss, Cohen & Everitt 1969). ``bootstrap=N`` adds a percentile CI from N
  resamples of the units drawn with ``numpy.random.default_rng(seed)``, for any number of
  coders; resamples where kappa is undefined are skipped.
- A code nobody used, or used for every post, has no variation: kappa and alpha are
  undefined (NaN, note "code never used" / "code used for every post"), while percent
  agreement, PABAK and AC1 are 1.
- ``rare``: kappa is unstable because the rarer category (usually "code present") is under
  5% of all ratings, or some coder gave it to fewer than 5 posts. Read AC1, PABAK and the
  specific agreements for such codes.
- ``interpretation``: Landis & Koch (1977) label of kappa.
- The kappa gate (``result.below(0.8)``, ``chatcode agree --min-kappa``, and the "kappa >
  0.8" figures of ``chatcode reproduce``) follows one rule, :data:`GATE_RULE`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from chatcode.codebook import Codebook
from chatcode.corpus import schema as S
from chatcode.errors import AgreementError, CodingError, Location, Problem, Problems
from chatcode.reliability import coefficients as st
from chatcode.reliability.gwet_variance import gwet_se, t_interval

__all__ = ["GATE_RULE", "RARE_MIN_POSTS", "RARE_SHARE", "AgreementResult", "CodingMatrix",
           "agreement", "rater_label"]

RARE_SHARE = 0.05      # the rarer category below this share of all ratings: kappa unstable
RARE_MIN_POSTS = 5     # ... or some coder gave it to fewer posts than this
NONE = "none"          # the category "coded, no code" of a single-choice dimension
JSON_CODE_FIELDS = ("dimension", "code", "n", "percent_agreement", "kappa", "kappa_ci_low",
                        "kappa_ci_high", "pabak", "ac1", "alpha")
JSON_DIMENSION_FIELDS = ("dimension", "n", "kappa", "alpha")


def rater_label(coder: str, pass_: str) -> str:
    """The label of a coder/pass combination: ``"coder/pass"``."""
    return f"{coder}/{pass_}"


@dataclass(frozen=True, eq=False)
class CodingMatrix:
    """A codes table as an array: ``values[variable, rater, post]`` is 0, 1 or -1 (no row).

    Variables are the codebook's codes in codebook order (``variables[i] = (dimension,
    code)``); raters are ``"coder/pass"`` labels in order of first appearance.
    """

    codebook: Codebook
    raters: tuple[str, ...]
    posts: pd.Index
    variables: tuple[tuple[str, str], ...]
    values: np.ndarray

    @classmethod
    def from_codes(cls, codes: pd.DataFrame, codebook: Codebook) -> CodingMatrix:
        """Check ``codes`` (columns, 0/1 values, known codes, no repeated decisions, at most
        one code per single-choice dimension) and pivot it. Raises :class:`CodingError`."""
        _check_columns(codes)
        variables = tuple((d.id, c) for d in codebook.dimensions for c in d.code_ids)
        post, posts = pd.factorize(codes[S.POST_ID])
        coder, coders = pd.factorize(codes[S.CODER].astype("str"))
        pass_, passes = pd.factorize(codes[S.PASS].astype("str"))
        rater, pairs = pd.factorize(coder.astype(np.int64) * max(len(passes), 1) + pass_)
        raters = tuple(rater_label(coders[p // len(passes)], passes[p % len(passes)])
                       for p in pairs)
        value = pd.to_numeric(codes[S.VALUE], errors="coerce").to_numpy(dtype=float)
        _check_values(codes, value, (post, coder, pass_))
        var = _variable_index(codes, variables)
        R, P, K = len(raters), len(posts), len(variables)
        flat = (var.astype(np.int64) * R + rater) * P + post
        values = np.full(K * R * P, -1, dtype=np.int8)
        values[flat] = value.astype(np.int8)
        if np.count_nonzero(values >= 0) < len(flat):  # two rows wrote the same cell
            _repeated(codes, pd.Series(flat).duplicated(keep=False).to_numpy())
        ids = pd.Index(S.as_id(pd.Series(posts)), dtype="str")
        matrix = cls(codebook, raters, ids, variables,
                     values.reshape(K, R, P))
        matrix._check_single_choice()
        return matrix

    def select(self, coders: Sequence[str] | None) -> CodingMatrix:
        """The matrix of some raters, in the order given (``None``: all). A coder name without
        ``/pass`` stands for that coder's only pass."""
        if coders is None:
            return self
        idx = [self._rater_index(c) for c in coders]
        if len(set(idx)) < len(idx):
            raise AgreementError(f"a coder/pass is named twice in {', '.join(coders)}",
                                 hint="name each coder/pass once")
        return CodingMatrix(self.codebook, tuple(self.raters[i] for i in idx), self.posts,
                            self.variables, self.values[:, idx, :])

    def _rater_index(self, name: str) -> int:
        name = name.strip()
        if name in self.raters:
            return self.raters.index(name)
        hits = [i for i, r in enumerate(self.raters) if r.rsplit("/", 1)[0] == name]
        if len(hits) == 1:
            return hits[0]
        found = ", ".join(self.raters) or "(none)"
        if hits:
            raise AgreementError(f"coder {name!r} has several passes in the codes",
                                 hint=f"name the pass, one of: {found}")
        raise AgreementError(f"no codes of {name!r}", hint=f"the codes hold {found}; name "
                             "coders as coder/pass, e.g. --coders A/main,B/pretest")

    def coded(self) -> np.ndarray:
        """``(raters, posts)`` bool: the rater has rows for the post."""
        return (self.values >= 0).any(axis=0)

    def common(self) -> tuple[np.ndarray, np.ndarray]:
        """``coded`` and the posts coded by every rater. Raises :class:`AgreementError` for
        fewer than two raters or no post in common (naming each rater's post count)."""
        if len(self.raters) < 2:
            found = ", ".join(self.raters) or "none"
            raise AgreementError(f"agreement needs at least two coder/pass combinations; the "
                                 f"codes hold {found}", hint="give the codes of a second coder "
                                 "(or a second pass of the same coder)")
        coded = self.coded()
        common = coded.all(axis=0)
        if not common.any():
            counts = ", ".join(f"{r} {int(n)} post(s)" for r, n in zip(
                self.raters, coded.sum(axis=1), strict=True))
            raise AgreementError(f"the coders have no post in common ({counts})",
                                 hint="compare codes of the same posts, e.g. the pretest "
                                 "selection coded by both coders")
        return coded, common

    def dimension(self, dim_id: str) -> tuple[np.ndarray, np.ndarray]:
        """A single-choice dimension as categories ``(raters, posts)`` (index of the code, or
        the last category for ``none``) and ``rated`` (every code of it has a row)."""
        idx = [i for i, (d, _) in enumerate(self.variables) if d == dim_id]
        block = self.values[idx]                          # (codes, raters, posts)
        rated = (block >= 0).all(axis=0)
        ones = block == 1
        category = np.where(ones.any(axis=0), ones.argmax(axis=0), len(idx))
        return category.astype(np.int16), rated

    def _check_single_choice(self) -> None:
        problems = []
        for d in self.codebook.dimensions:
            if d.multiple:
                continue
            idx = [i for i, (dim, _) in enumerate(self.variables) if dim == d.id]
            too_many = (self.values[idx] == 1).sum(axis=0) > 1   # (raters, posts)
            for r, p in zip(*np.nonzero(too_many), strict=True):
                problems.append(Problem(
                    f"{self.raters[r]} gave post {self.posts[p]} more than one code of the "
                    f"single-choice dimension {d.id!r}", Location(column=S.VALUE),
                    "a single-choice dimension takes at most one 1 per post"))
        if problems:
            raise Problems.of(CodingError, problems)


def _variable_index(codes: pd.DataFrame, variables: tuple[tuple[str, str], ...]) -> np.ndarray:
    dim, dims = pd.factorize(codes[S.DIMENSION].astype("str"))
    code, names = pd.factorize(codes[S.CODE].astype("str"))
    known = {v: i for i, v in enumerate(variables)}
    lookup = np.array([known.get((d, c), -1) for d in dims for c in names] or [-1],
                      dtype=np.int64)
    var = lookup[dim.astype(np.int64) * max(len(names), 1) + code]
    unknown = (var < 0) | (dim < 0) | (code < 0)
    if unknown.any():
        pairs = (codes.loc[unknown, S.DIMENSION].astype("str") + ":"
                 + codes.loc[unknown, S.CODE].astype("str")).unique()
        raise CodingError(f"{int(unknown.sum())} row(s) with a dimension or code the codebook "
                          f"does not have: {', '.join(map(str, pairs[:8]))}",
                          where=Location(column=S.CODE),
                          hint="give the codebook the codes were made with")
    return var


def _check_columns(codes: pd.DataFrame) -> None:
    missing = [c for c in S.CODES_COLUMNS if c not in codes.columns]
    if missing:
        found = ", ".join(repr(str(c)) for c in codes.columns) or "none"
        raise CodingError(f"not a codes table: missing column(s) {', '.join(missing)}",
                          hint=f"a codes table has the columns {', '.join(S.CODES_COLUMNS)} "
                          f"(found: {found})")


def _check_values(codes: pd.DataFrame, value: np.ndarray, keys: tuple) -> None:
    problems = []
    bad = ~np.isin(value, (0.0, 1.0))
    if bad.any():
        rows = np.flatnonzero(bad)[:8] + 2
        shown = ", ".join(f"{r} ({v!r})" for r, v in zip(
            rows, codes[S.VALUE].to_numpy()[bad][:8], strict=True))
        problems.append(Problem(f"value is not 0 or 1 in {int(bad.sum())} row(s): {shown}",
                                Location(column=S.VALUE), "1: the code applies, 0: it does not"))
    for col, key in zip((S.POST_ID, S.CODER, S.PASS), keys, strict=True):
        empty = key < 0
        if empty.any():
            problems.append(Problem(f"empty {col} in {int(empty.sum())} row(s)",
                                    Location(column=col), "every row names the post, coder "
                                    "and pass"))
    if problems:
        raise Problems.of(CodingError, problems)


def _repeated(codes: pd.DataFrame, mask: np.ndarray) -> None:
    first = codes.loc[mask].iloc[0]
    raise CodingError(
        f"{int(mask.sum())} row(s) repeat a decision (post, coder, pass, dimension, code), "
        f"e.g. post {first[S.POST_ID]}, {first[S.CODER]}/{first[S.PASS]}, "
        f"{first[S.DIMENSION]}:{first[S.CODE]}", where=Location(column=S.POST_ID),
        hint="keep one row per decision (the same codes given twice?)")


@dataclass(frozen=True, eq=False)
class AgreementResult:
    """Agreement of the coders/passes ``coders`` on ``n_units`` common posts.

    ``codes``: one row per code; ``dimensions``: one row per single-choice dimension;
    ``pairs``: every pair of coders (code rows, and dimension rows with an empty ``code``);
    ``coverage``: posts coded per coder and how many are common; ``notes``: what a reader
    should know (posts left out, rare codes). See the module Notes for the conventions.
    """

    coders: list[str]
    n_units: int
    codes: pd.DataFrame
    dimensions: pd.DataFrame
    pairs: pd.DataFrame
    coverage: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    confidence: float = 0.95
    bootstrap: int = 0
    seed: int = 0

    def to_dict(self) -> dict:
        """The JSON document described in docs/agreement.md (NaN as ``null``, more fields kept)."""
        return {"coders": list(self.coders), "n_units": int(self.n_units),
                "codes": _records(self.codes), "dimensions": _records(self.dimensions),
                "pairs": _records(self.pairs), "coverage": _records(self.coverage),
                "confidence": self.confidence, "bootstrap": self.bootstrap,
                "seed": self.seed, "rare_rule": {"share_below": RARE_SHARE,
                                                 "posts_below": RARE_MIN_POSTS},
                "notes": list(self.notes)}

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def below(self, min_kappa: float, *, strict: bool = False,
              require_variation: bool = False) -> pd.DataFrame:
        """The codes and single-choice dimensions that fail the kappa gate (:data:`GATE_RULE`).

        Every defined kappa, rare codes included, must reach ``min_kappa`` (``strict``: exceed
        it, as in a published "kappa > 0.8"). A kappa undefined because the coders agree on
        every post and the code never varies (never used, or used for every post) passes,
        unless ``require_variation``. A code with no common post always fails. Columns:
        dimension, code (empty for a dimension), kappa, reason.
        """
        rows = []
        for table, is_dim in ((self.codes, False), (self.dimensions, True)):
            for rec in table.to_dict("records"):
                reason = _gate_reason(rec, min_kappa, strict, require_variation)
                if reason:
                    rows.append({"dimension": rec["dimension"],
                                 "code": None if is_dim else rec["code"],
                                 "kappa": rec["kappa"], "reason": reason})
        return pd.DataFrame(rows, columns=["dimension", "code", "kappa", "reason"])

    def without_variation(self) -> list[str]:
        """``dimension:code`` of the codes whose kappa is undefined with full agreement."""
        t = self.codes
        mask = t["kappa"].astype("float64").isna() & t["percent_agreement"].eq(1.0) \
            & t["n"].gt(0)
        return [f"{d}:{c}" for d, c in zip(t.loc[mask, "dimension"], t.loc[mask, "code"],
                                           strict=True)]


GATE_RULE = ("every defined kappa, rare codes included, must reach the bound; a code whose "
             "kappa is undefined because it never varies (never used, or used for every "
             "post, with full agreement) passes and is named; a code with no common post "
             "fails")


def _gate_reason(rec: dict, min_kappa: float, strict: bool,
                 require_variation: bool) -> str | None:
    kappa = rec["kappa"]
    if rec["n"] == 0:
        return "no post coded by all coders"
    if isinstance(kappa, float) and math.isnan(kappa):
        if not require_variation and rec["percent_agreement"] == 1.0:
            return None
        return f"kappa undefined ({rec['note'] or 'no variation'})"
    shown = f"{round(kappa, 3) + 0.0:.3f}"  # + 0.0: no "-0.000"
    if strict and kappa <= min_kappa:
        return f"kappa {shown} is not above {min_kappa:g}"
    if kappa < min_kappa:
        return f"kappa {shown} < {min_kappa:g}"
    return None


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict("records"):
        out.append({k: _plain(v) for k, v in rec.items()})
    return out


def _plain(v: object) -> object:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is None:
        return None
    return v


def agreement(
    codes: pd.DataFrame,
    codebook: Codebook,
    *,
    coders: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> AgreementResult:
    """Agreement per code and per single-choice dimension between coders or passes.

    ``coders`` are ``"coder/pass"`` labels (a bare coder name is its only pass); default:
    every coder/pass combination in ``codes``, in order of appearance. Inter-coder (two
    coders) and intra-coder (one coder, two passes) reliability are the same computation.
    ``bootstrap`` > 0 adds ``kappa_boot_ci_low/high`` from that many resamples (``seed``).
    Raises :class:`AgreementError` when fewer than two coder/passes are compared or they
    have no post in common (naming each with its post count). See the module Notes.
    """
    if not 0 < confidence < 1:
        raise AgreementError(f"confidence must be between 0 and 1, not {confidence}",
                             hint="e.g. 0.95 for a 95% interval")
    if bootstrap < 0:
        raise AgreementError("bootstrap must be 0 (none) or a number of resamples",
                             hint="e.g. 2000")
    matrix = CodingMatrix.from_codes(codes, codebook).select(coders)
    coded, common = matrix.common()
    coverage = _coverage(matrix, coded, common)
    from scipy.special import ndtri  # the normal quantile; imported here, scipy is slow to load

    z = float(ndtri(0.5 + confidence / 2))
    rng = np.random.default_rng(seed)
    analysis = _Analysis(matrix, z, bootstrap, rng)
    codes_df = analysis.codes(common)
    dims_df = analysis.dimensions(common)
    if len(matrix.raters) > 2:
        codes_df, dims_df = _add_pairable_alpha(matrix, coded, codes_df, dims_df)
    pairs = _pairs(matrix, coded, z, codes_df, dims_df)
    notes = _notes(matrix, coverage, codes_df, int(common.sum()))
    return AgreementResult(list(matrix.raters), int(common.sum()), codes_df, dims_df, pairs,
                           coverage, notes, confidence, bootstrap, seed)


class _Analysis:
    """The coefficients of one set of raters on a set of posts."""

    def __init__(self, matrix: CodingMatrix, z: float, bootstrap: int,
                 rng: np.random.Generator) -> None:
        self.m, self.z, self.bootstrap, self.rng = matrix, z, bootstrap, rng

    def codes(self, posts: np.ndarray) -> pd.DataFrame:
        ratings = self.m.values[:, :, posts]
        valid = (ratings >= 0).all(axis=1)
        ratings = np.clip(ratings, 0, 1)
        table = self._table(ratings, valid, 2)
        table.insert(0, "dimension", [d for d, _ in self.m.variables])
        table.insert(1, "code", [c for _, c in self.m.variables])
        return table

    def dimensions(self, posts: np.ndarray) -> pd.DataFrame:
        single = [d for d in self.m.codebook.dimensions if not d.multiple]
        frames = []
        for d in single:
            category, rated = self.m.dimension(d.id)
            ratings, valid = category[None, :, posts], rated[:, posts].all(axis=0)[None]
            table = self._table(ratings, valid, len(d.codes) + 1, binary=False)
            table.insert(0, "dimension", d.id)
            table["n_categories"] = len(d.codes) + 1
            frames.append(table)
        if not frames:
            return pd.DataFrame(columns=["dimension", "n", "kappa", "alpha"])
        return pd.concat(frames, ignore_index=True)

    def _table(self, ratings: np.ndarray, valid: np.ndarray, n_categories: int, *,
               binary: bool = True) -> pd.DataFrame:
        R = ratings.shape[1]
        s = st.sufficient_statistics(ratings, valid, n_categories)
        c = st.coefficients(s)
        alpha = st.alpha_complete(s)
        se = low = high = np.full(len(valid), np.nan)
        tables = None
        if R == 2:
            tables = st.contingency_tables(ratings, valid, n_categories)
            se = st.cohen_kappa_se(tables)
            low = np.clip(c["kappa"] - self.z * se, -1, 1)
            high = np.clip(c["kappa"] + self.z * se, -1, 1)
        c["alpha"] = alpha
        gwet = gwet_se(ratings, valid, n_categories, c)
        from scipy.special import ndtr

        level = 2 * float(ndtr(self.z)) - 1
        if R > 2:  # Conger's kappa: Gwet's SE and a t interval (no closed form otherwise)
            se = gwet["conger_kappa"]
            low, high = t_interval(c["kappa"], se, c["n"], level)
        out = {"n": c["n"], "percent_agreement": c["percent_agreement"], "kappa": c["kappa"],
               "kappa_ci_low": low, "kappa_ci_high": high, "pabak": c["pabak"],
               "ac1": c["ac1"], "alpha": alpha, "kappa_se": se}
        for name in ("ac1", "pabak", "alpha") + (("fleiss_kappa",) if R > 2 else ()):
            out[f"{name}_se"] = gwet[name]
            out[f"{name}_ci_low"], out[f"{name}_ci_high"] = t_interval(
                c[name], gwet[name], c["n"], level)
        if self.bootstrap:
            boot = st.bootstrap_kappa(ratings, valid, n_categories, n_boot=self.bootstrap,
                                      rng=self.rng)
            out["kappa_boot_ci_low"], out["kappa_boot_ci_high"] = st.percentile_ci(
                boot, self.z)
        if binary:
            out.update(st.binary_indices(s, c, tables))
        if R > 2:
            out["fleiss_kappa"] = c["fleiss_kappa"]
            out["conger_kappa"] = c["kappa"]
        df = pd.DataFrame(out)
        flat = st.degenerate(s)
        df["interpretation"] = st.interpret(c["kappa"], flat)
        if binary:
            df["rare"] = st.rare(s, share=RARE_SHARE, min_posts=RARE_MIN_POSTS)
            df["note"] = st.code_notes(s, df["rare"].to_numpy())
        else:
            df["note"] = np.where(df["n"].eq(0), "no post coded by all coders",
                                  np.where(df["kappa"].isna(), "no variation", ""))
        why = ("a coder used one category for every post: kappa is 0 by definition "
               "(no Landis-Koch label)")
        df["note"] = [why if f and not n else (f"{n}; {why}" if f else n)
                      for f, n in zip(flat, df["note"], strict=True)]
        return df


def _coverage(matrix: CodingMatrix, coded: np.ndarray, common: np.ndarray) -> pd.DataFrame:
    n_coded = coded.sum(axis=1)
    n_common = int(common.sum())
    return pd.DataFrame({"coder": list(matrix.raters), "posts_coded": n_coded,
                         "posts_in_common": n_common, "posts_left_out": n_coded - n_common})


def _add_pairable_alpha(matrix: CodingMatrix, coded: np.ndarray, codes_df: pd.DataFrame,
                        dims_df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Krippendorff's alpha over every post coded by at least two coders (missing data)."""
    posts = coded.sum(axis=0) >= 2
    values = matrix.values[:, :, posts]
    alpha, n = st.alpha_nominal(np.clip(values, 0, 1), values >= 0, 2)
    codes_df = codes_df.assign(alpha_pairable=alpha, n_pairable=n)
    rows = []
    for dim_id in dims_df["dimension"]:
        category, rated = matrix.dimension(dim_id)
        k = len(matrix.codebook.dimension(dim_id).codes) + 1
        a, m = st.alpha_nominal(category[None][:, :, posts], rated[None][:, :, posts], k)
        rows.append((float(a[0]), int(m[0])))
    if rows:
        dims_df = dims_df.assign(alpha_pairable=[r[0] for r in rows],
                                 n_pairable=[r[1] for r in rows])
    return codes_df, dims_df


def _pairs(matrix: CodingMatrix, coded: np.ndarray, z: float, codes_df: pd.DataFrame,
           dims_df: pd.DataFrame) -> pd.DataFrame:
    """Two-coder agreement of every pair, each on the posts both coded."""
    if len(matrix.raters) == 2:
        pair_codes, pair_dims = [codes_df], [dims_df]
        labels = [tuple(matrix.raters)]
    else:
        pair_codes, pair_dims, labels = [], [], []
        for i, j in combinations(range(len(matrix.raters)), 2):
            sub = matrix.select([matrix.raters[i], matrix.raters[j]])
            both = coded[i] & coded[j]
            analysis = _Analysis(sub, z, 0, np.random.default_rng(0))
            pair_codes.append(analysis.codes(both))
            pair_dims.append(analysis.dimensions(both))
            labels.append((matrix.raters[i], matrix.raters[j]))
    frames = []
    for (a, b), cd, dd in zip(labels, pair_codes, pair_dims, strict=True):
        for part in (cd, dd.assign(code=None) if len(dd) else dd):
            if len(part):
                frames.append(part.assign(coder_a=a, coder_b=b))
    pairs = pd.concat(frames, ignore_index=True)
    keep = ["coder_a", "coder_b", "dimension", "code", "n", "percent_agreement", "kappa",
            "kappa_se", "kappa_ci_low", "kappa_ci_high", "pabak", "ac1", "alpha",
            "positive_agreement", "negative_agreement", "prevalence_index", "bias_index",
            "interpretation", "rare"]
    return pairs.reindex(columns=keep)


def _notes(matrix: CodingMatrix, coverage: pd.DataFrame, codes_df: pd.DataFrame,
           n_units: int) -> list[str]:
    notes = []
    counts = ", ".join(f"{r['coder']} coded {r['posts_coded']}" for r in
                       coverage.to_dict("records"))
    notes.append(f"{counts} post(s); {n_units} post(s) coded by all are the units")
    left = coverage[coverage["posts_left_out"] > 0]
    for r in left.to_dict("records"):
        notes.append(f"{r['posts_left_out']} post(s) coded by {r['coder']} but not by every "
                     "other coder are left out")
    rare = codes_df[codes_df["rare"].astype(bool)]
    if len(rare):
        names = ", ".join(f"{d}:{c}" for d, c in zip(rare["dimension"], rare["code"],
                                                      strict=True))
        notes.append(f"{len(rare)} rare code(s) where kappa is unstable ({names}): read AC1 "
                     f"and PABAK (rare: under {RARE_SHARE:.0%} of ratings or fewer than "
                     f"{RARE_MIN_POSTS} posts by some coder)")
    return notes
