"""Agreement coefficients: published worked examples, independent implementations, edge cases.

Every coefficient is checked against at least one published value (cited in the test's
docstring) and against an implementation that does not share code with chatcode
(scikit-learn, statsmodels, the ``krippendorff`` package, or the formula written out in the
test). Published values are given to the digits published; where the data are published,
the exact value is also checked to 1e-6 against a computation with fractions.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

from chatcode.codebook import codebook_from_dict, load_codebook
from chatcode.corpus import schema as S
from chatcode.errors import AgreementError, CodingError
from chatcode.reliability import coefficients as st
from chatcode.reliability.agreement import agreement

FIXTURES = Path(__file__).parents[1] / "fixtures" / "agreement"
CODEBOOK = load_codebook(FIXTURES / "codebook.yaml")
SUPPORT = ("informational", "emotional", "medical")
TOPIC = ("nutrition", "activity")

# Feinstein & Cicchetti (1990), J Clin Epidemiol 43:543-549, the two tables of the "high
# agreement but low kappa" paradox (rater A in rows, +/-): both p_o = 0.85, kappa 0.70 and 0.32.
# Reproduced in Gerstman, "Epidemiology Kept Simple", 3rd ed., Table 10.6.
FC_A = [[40, 9], [6, 45]]
FC_B = [[80, 10], [5, 5]]
# Gerstman, "Epidemiology Kept Simple", Illustrative Example 10.1 (X-ray readings):
# a = 1467, d = 16232, N = 19790, rater 1 positive 2249, rater 2 positive 2776:
# p_o = 0.8943, p_e = 0.7780, kappa = 0.524.
XRAY = [[1467, 2249 - 1467], [2776 - 1467, 16232]]
# Fleiss (1971), Psychol Bull 76:378, Table 1: 30 patients, 6 psychiatrists, 5 diagnoses, as
# the rater-by-subject data set ``diagnoses`` of the R package irr (also in statsmodels' tests).
DIAGNOSES = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5]]) - 1
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: nominal data,
# 4 observers, 12 units, missing values (None): alpha = 0.743.
KRIPPENDORFF = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
                [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
                [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
                [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
# 4 raters, 15 subjects, categories a/b/c, no missing: data set ``raw_gender`` of irrCAC (the
# Python port of Gwet's R package irrCAC); its tests assert p_a 0.456, Fleiss 0.129,
# Conger 0.166, AC1 0.208 and Krippendorff's alpha 0.143.
GENDER = ["a a a a a b b b c a a a a a b", "a a a a b a b c c a a a a b a",
          "a b b c a a b b c a b b c a a", "c c c c a a b b c c c c c a a"]


# --- helpers ------------------------------------------------------------------------------

def expand(table) -> tuple[np.ndarray, np.ndarray]:
    """Rater 1 and rater 2 ratings of the units counted in a square table (rows: rater 1)."""
    t = np.asarray(table)
    r1 = np.concatenate([[i] * t[i].sum() for i in range(len(t))]).astype(int)
    r2 = np.concatenate([np.repeat(np.arange(len(t)), t[i]) for i in range(len(t))])
    return r1, r2


def stats_of(ratings: np.ndarray, n_categories: int) -> dict:
    """reliability_stats on one variable: ``ratings`` is (raters, units)."""
    ratings = np.asarray(ratings)[None]
    valid = np.ones((1, ratings.shape[2]), bool)
    s = st.sufficient_statistics(ratings, valid, n_categories)
    out = {k: v[0] for k, v in st.coefficients(s).items()}
    out["alpha"] = st.alpha_complete(s)[0]
    if ratings.shape[1] == 2:
        out["se"] = st.cohen_kappa_se(st.contingency_tables(ratings, valid, n_categories))[0]
    return out


def codes_table(coders: dict[str, dict[str, dict]], codebook=CODEBOOK) -> pd.DataFrame:
    """A complete codes table: ``{"A/main": {"p1": {"support": {...}, "topic": "x"}}}``."""
    rows = []
    for label, posts in coders.items():
        coder, pass_ = label.split("/")
        for post, coding in posts.items():
            for d in codebook.dimensions:
                chosen = coding.get(d.id, set() if d.multiple else None)
                chosen = chosen if d.multiple else {chosen}
                rows += [(post, coder, pass_, d.id, c, int(c in chosen)) for c in d.code_ids]
    return pd.DataFrame(rows, columns=list(S.CODES_COLUMNS))


def from_vectors(**coders: list[int]) -> pd.DataFrame:
    """Codes where each coder's vector is the code ``informational`` of posts p0, p1, ..."""
    return codes_table({label.replace("__", "/"): {
        f"p{i}": {"support": {"informational"} if v else set()} for i, v in enumerate(vec)}
        for label, vec in coders.items()})


def row(result, code: str = "informational") -> pd.Series:
    return result.codes.set_index("code").loc[code]


# --- published worked examples -----------------------------------------------------------

@pytest.mark.parametrize(("table", "published"), [(FC_A, 0.70), (FC_B, 0.32), (XRAY, 0.524)])
def test_cohen_kappa_reproduces_published_examples(table, published):
    """Feinstein & Cicchetti (1990) kappa 0.70 / 0.32 and Gerstman's X-ray example 0.524
    (see the constants); the exact value from fractions to 1e-6, and scikit-learn."""
    t = [[Fraction(x) for x in r] for r in table]
    n = sum(map(sum, t))
    p_o = (t[0][0] + t[1][1]) / n
    p_e = ((t[0][0] + t[0][1]) * (t[0][0] + t[1][0]) + (t[1][0] + t[1][1]) *
           (t[0][1] + t[1][1])) / n ** 2
    exact = float((p_o - p_e) / (1 - p_e))
    r1, r2 = expand(table)
    got = stats_of([r1, r2], 2)["kappa"]
    assert round(got, len(str(published)) - 2) == published
    assert got == pytest.approx(exact, abs=1e-6)
    assert got == pytest.approx(cohen_kappa_score(r1, r2), abs=1e-12)


def test_percent_agreement_of_the_paradox_tables():
    """Feinstein & Cicchetti (1990): both tables have p_o = 0.85 (85 of 100 agree)."""
    for table in (FC_A, FC_B):
        assert stats_of(expand(table), 2)["percent_agreement"] == pytest.approx(0.85, abs=1e-12)


def test_kappa_se_and_ci_reproduce_sas_and_statsmodels():
    """SAS PROC FREQ (AGREE) output for the 3x3 table [[0,4,1],[0,8,0],[0,1,5]]: kappa 0.4842,
    ASE 0.1380, 95% CI 0.2137-0.7547 (the Fleiss-Cohen-Everitt 1969 variance; the SAS
    printout is recorded in statsmodels' test_inter_rater.py). Also statsmodels' std_kappa
    (same variance) to 1e-12 on the Feinstein & Cicchetti tables."""
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    got = stats_of(expand(table), 3)
    assert round(got["kappa"], 4) == 0.4842
    assert round(got["se"], 4) == 0.1380
    z = 1.959963984540054
    assert round(got["kappa"] - z * got["se"], 4) == 0.2137
    assert round(got["kappa"] + z * got["se"], 4) == 0.7547
    for t in (FC_A, FC_B, XRAY, table):
        ref = cohens_kappa(np.asarray(t))
        mine = stats_of(expand(t), len(t))
        assert mine["se"] == pytest.approx(ref.std_kappa, abs=1e-12)


def test_agreement_ci_is_kappa_plus_minus_z_se():
    """End to end: the CI of agreement() is kappa ± 1.96 SE (statsmodels' kappa_low/upp)."""
    r1, r2 = expand(FC_A)
    res = agreement(from_vectors(A__main=list(1 - r1), B__main=list(1 - r2)), CODEBOOK)
    ref = cohens_kappa(np.asarray(FC_A))
    r = row(res)
    assert r["kappa"] == pytest.approx(ref.kappa, abs=1e-12)
    assert r["kappa_se"] == pytest.approx(ref.std_kappa, abs=1e-12)
    assert r["kappa_ci_low"] == pytest.approx(ref.kappa_low, abs=1e-6)
    assert r["kappa_ci_high"] == pytest.approx(ref.kappa_upp, abs=1e-6)


@pytest.mark.parametrize(("table", "pi", "bi"), [(FC_A, -0.05, 0.03), (FC_B, 0.75, 0.05)])
def test_pabak_prevalence_and_bias_indices(table, pi, bi):
    """Byrt, Bishop & Carlin (1993), J Clin Epidemiol 46:423: PABAK = 2 p_o - 1,
    PI = (a - d)/n, BI = (b - c)/n, and their identity
    kappa = (PABAK - PI^2 + BI^2) / (1 - PI^2 + BI^2), checked on the Feinstein & Cicchetti
    tables (PABAK 0.70 for both, since both have p_o = 0.85)."""
    r1, r2 = expand(table)
    # category 1 = "present" in chatcode; row 0 of the published tables is "+"
    res = agreement(from_vectors(A__main=list(1 - r1), B__main=list(1 - r2)), CODEBOOK)
    r = row(res)
    assert r["pabak"] == pytest.approx(0.70, abs=1e-12)
    assert r["prevalence_index"] == pytest.approx(pi, abs=1e-12)
    assert r["bias_index"] == pytest.approx(bi, abs=1e-12)
    identity = (r["pabak"] - pi ** 2 + bi ** 2) / (1 - pi ** 2 + bi ** 2)
    assert r["kappa"] == pytest.approx(identity, abs=1e-12)


@pytest.mark.parametrize("table", [FC_A, FC_B, XRAY])
def test_specific_agreement(table):
    """Cicchetti & Feinstein (1990) / de Vet et al. (2013, BMJ 346:f2125): positive
    agreement 2a/(2a+b+c), negative 2d/(2d+b+c); counted here from the table by hand
    (Feinstein & Cicchetti table B: 160/175 and 10/25)."""
    (a, b), (c, d) = table
    r1, r2 = expand(table)
    res = agreement(from_vectors(A__main=list(1 - r1), B__main=list(1 - r2)), CODEBOOK)
    r = row(res)
    assert r["positive_agreement"] == pytest.approx(2 * a / (2 * a + b + c), abs=1e-12)
    assert r["negative_agreement"] == pytest.approx(2 * d / (2 * d + b + c), abs=1e-12)
    if table is FC_B:
        assert round(r["positive_agreement"], 3) == 0.914
        assert r["negative_agreement"] == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize(("table", "kappa", "ac1"), [
    ([[13, 0, 0], [0, 20, 7], [0, 4, 56]], 0.796, 0.849),
    ([[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]], 0.432, 0.456),
])
def test_gwet_ac1_reproduces_gwet_handbook_tables(table, kappa, ac1):
    """Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: 100 pregnant women by 2
    abstractors (3x3) and 223 psychiatric patients by 2 diagnosis methods (4x4); kappa and
    AC1 as reproduced by irrCAC's tests (table_cont3x3abstractors, table_cont4x4diagnosis).
    Independent: AC1 = (p_o - p_e)/(1 - p_e), p_e = sum pi_k (1 - pi_k) / (q - 1), written
    out here with fractions."""
    got = stats_of(expand(table), len(table))
    assert round(got["kappa"], 3) == kappa
    assert round(got["ac1"], 3) == ac1
    t = [[Fraction(x) for x in r] for r in table]
    q, n = len(t), sum(map(sum, t))
    p_o = sum(t[i][i] for i in range(q)) / n
    pi = [(sum(t[k]) + sum(r[k] for r in t)) / (2 * n) for k in range(q)]
    p_e = sum(p * (1 - p) for p in pi) / (q - 1)
    assert got["ac1"] == pytest.approx(float((p_o - p_e) / (1 - p_e)), abs=1e-6)


def test_fleiss_kappa_reproduces_fleiss_1971():
    """Fleiss (1971) Table 1: kappa = 0.430; the R package irr gives 0.4302445 (recorded in
    statsmodels' tests); statsmodels' fleiss_kappa to 1e-12."""
    got = stats_of(DIAGNOSES.T, 5)
    assert round(got["fleiss_kappa"], 3) == 0.430
    assert got["fleiss_kappa"] == pytest.approx(0.4302445, abs=1e-6)
    counts, _ = aggregate_raters(DIAGNOSES)
    assert got["fleiss_kappa"] == pytest.approx(fleiss_kappa(counts), abs=1e-12)


def conger_by_formula(ratings: np.ndarray, q: int) -> float:
    """Conger (1980) as written in Gwet (2014, ch. 2): p_e = sum_k (pbar_k^2 - s_k^2 / r),
    s_k^2 the sample variance over raters of rater r's share of category k."""
    r, _ = ratings.shape
    shares = np.array([[np.mean(row == k) for k in range(q)] for row in ratings])
    p_e = sum(shares[:, k].mean() ** 2 - shares[:, k].var(ddof=1) / r for k in range(q))
    pairs = [np.mean(ratings[i] == ratings[j]) for i in range(r) for j in range(r) if i < j]
    p_o = float(np.mean(pairs))
    return (p_o - p_e) / (1 - p_e)


def test_conger_kappa_reproduces_irr_exact_kappa():
    """Conger's kappa of Fleiss's diagnoses with rater identities: irr's
    kappam.fleiss(diagnoses, exact=TRUE) = 0.442 (asserted in pyirr's tests, a port of irr);
    and the formula of Conger (1980) written out independently (to 1e-12)."""
    got = stats_of(DIAGNOSES.T, 5)
    assert round(got["kappa"], 3) == 0.442
    assert got["kappa"] == pytest.approx(conger_by_formula(DIAGNOSES.T, 5), abs=1e-12)


def test_many_raters_reproduce_irrcac_gender_example():
    """irrCAC raw_gender (4 raters, 15 subjects): p_a 0.456, Fleiss 0.129, Conger 0.166,
    AC1 0.208, Krippendorff's alpha 0.143; alpha also against the krippendorff package."""
    ratings = np.array([["abc".index(x) for x in r.split()] for r in GENDER])
    got = stats_of(ratings, 3)
    assert round(got["percent_agreement"], 3) == 0.456
    assert round(got["fleiss_kappa"], 3) == 0.129
    assert round(got["kappa"], 3) == 0.166
    assert round(got["ac1"], 3) == 0.208
    assert round(got["alpha"], 3) == 0.143
    assert got["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=ratings, level_of_measurement="nominal"), abs=1e-12)
    assert got["kappa"] == pytest.approx(conger_by_formula(ratings, 3), abs=1e-12)


def test_krippendorff_alpha_with_missing_data_reproduces_krippendorff_2011():
    """Krippendorff (2011), nominal, 4 observers with missing values: alpha = 0.743; and the
    ``krippendorff`` package (Castro) to 1e-12."""
    data = np.array([[np.nan if v is None else v for v in r] for r in KRIPPENDORFF])
    rated = ~np.isnan(data)
    alpha, pairable = st.alpha_nominal(np.where(rated, data, 0).astype(int)[None],
                                       rated[None], 6)
    assert round(alpha[0], 3) == 0.743
    assert pairable[0] == 11  # unit 12 has one value only
    assert alpha[0] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-12)


def test_agreement_alpha_pairable_reproduces_krippendorff_2011_end_to_end():
    """The same data as four coders of a single-choice dimension with five codes: the
    dimension's ``alpha_pairable`` (posts coded by at least two) is 0.743; its ``alpha`` on
    the 8 posts all four coded matches the krippendorff package on those posts."""
    cb = codebook_from_dict({"name": "k", "version": "1", "dimensions": [
        {"id": "value", "label": "Value", "multiple": False,
         "codes": [{"id": f"v{i}", "label": f"{i}", "definition": "."} for i in range(1, 6)]}]})
    coders = {f"{name}/main": {f"u{u}": {"value": f"v{v}"} for u, v in enumerate(vals)
                               if v is not None}
              for name, vals in zip("ABCD", KRIPPENDORFF, strict=True)}
    res = agreement(codes_table(coders, cb), cb)
    dim = res.dimensions.iloc[0]
    assert round(dim["alpha_pairable"], 3) == 0.743
    assert dim["n_pairable"] == 11
    everyone = [u for u in range(12) if all(r[u] is not None for r in KRIPPENDORFF)]
    full = np.array([[r[u] for u in everyone] for r in KRIPPENDORFF], dtype=float)
    assert res.n_units == len(everyone) == 8
    assert dim["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=full, level_of_measurement="nominal"), abs=1e-12)


# --- independent implementations on random data ------------------------------------------

@settings(max_examples=40, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(0, 1), hs.integers(0, 1)), min_size=2, max_size=60))
def test_two_coders_match_sklearn_statsmodels_krippendorff(pairs):
    """Random 0/1 codings: kappa = scikit-learn, SE = statsmodels, alpha = krippendorff."""
    x = [a for a, _ in pairs]
    y = [b for _, b in pairs]
    r = row(agreement(from_vectors(A__main=x, B__main=y), CODEBOOK))
    if len(set(x) | set(y)) < 2:
        assert np.isnan(r["kappa"]) and np.isnan(r["alpha"])
        return
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = cohen_kappa_score(x, y)
    if np.isnan(ref):
        assert np.isnan(r["kappa"])
    else:
        assert r["kappa"] == pytest.approx(ref, abs=1e-12)
        table = np.array([[sum(1 for a, b in pairs if a == i and b == j) for j in (0, 1)]
                          for i in (0, 1)])
        with np.errstate(invalid="ignore", divide="ignore"):  # statsmodels' z for SE0 = 0
            ref_var = cohens_kappa(table).var_kappa
        # a variance that is 0 up to rounding (one coder constant) is reported as SE 0
        assert r["kappa_se"] == pytest.approx(np.sqrt(max(ref_var, 0.0)), abs=1e-7)
    assert r["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=[x, y], level_of_measurement="nominal"), abs=1e-12)
    assert r["percent_agreement"] == pytest.approx(np.mean(np.equal(x, y)), abs=1e-12)


def test_three_coders_fleiss_and_pairs_match_statsmodels_and_two_coder_runs():
    """Three coders: Fleiss' kappa per code equals statsmodels; each pair's kappa equals a
    two-coder agreement() of that pair; Conger's kappa equals the formula of Conger (1980)."""
    rng = np.random.default_rng(7)
    truth = rng.random(40) < 0.4
    vecs = {f"{c}__main": list((truth ^ (rng.random(40) < 0.2)).astype(int)) for c in "ABC"}
    res = agreement(from_vectors(**vecs), CODEBOOK)
    r = row(res)
    ratings = np.array(list(vecs.values()))
    counts, _ = aggregate_raters(ratings.T)
    assert r["fleiss_kappa"] == pytest.approx(fleiss_kappa(counts), abs=1e-12)
    assert r["conger_kappa"] == pytest.approx(conger_by_formula(ratings, 2), abs=1e-12)
    assert r["kappa"] == r["conger_kappa"]
    pairs = res.pairs[res.pairs["code"].eq("informational")]
    assert len(pairs) == 3
    for p in pairs.itertuples():
        two = agreement(from_vectors(**{k: v for k, v in vecs.items()
                                        if k.replace("__", "/") in (p.coder_a, p.coder_b)}),
                        CODEBOOK)
        assert p.kappa == pytest.approx(row(two)["kappa"], abs=1e-12)


def test_bootstrap_matches_an_independent_resampling_loop():
    """The bootstrap CI: the same draws (numpy default_rng(seed), 64 resamples at a time)
    scored with scikit-learn give the same percentiles; the same seed gives the same CI."""
    rng = np.random.default_rng(3)
    x = list((rng.random(50) < 0.4).astype(int))
    y = [v if rng.random() < 0.85 else 1 - v for v in x]
    res = agreement(from_vectors(A__main=x, B__main=y), CODEBOOK, bootstrap=200, seed=11)
    draws = np.random.default_rng(11)
    kappas = []
    for start in range(0, 200, 64):
        idx = draws.integers(0, 50, size=(min(64, 200 - start), 50))
        for i in idx:
            kappas.append(cohen_kappa_score(np.array(x)[i], np.array(y)[i]))
    r = row(res)
    assert r["kappa_boot_ci_low"] == pytest.approx(np.nanpercentile(kappas, 2.5), abs=1e-12)
    assert r["kappa_boot_ci_high"] == pytest.approx(np.nanpercentile(kappas, 97.5), abs=1e-12)
    again = agreement(from_vectors(A__main=x, B__main=y), CODEBOOK, bootstrap=200, seed=11)
    assert row(again)["kappa_boot_ci_low"] == r["kappa_boot_ci_low"]


# --- edge cases ------------------------------------------------------------------------------

def test_perfect_agreement_with_variation():
    res = agreement(from_vectors(A__main=[1, 0, 1, 0, 0], B__main=[1, 0, 1, 0, 0]), CODEBOOK)
    r = row(res)
    assert (r["kappa"], r["kappa_se"], r["kappa_ci_low"], r["kappa_ci_high"]) == (1, 0, 1, 1)
    assert (r["alpha"], r["ac1"], r["pabak"], r["percent_agreement"]) == (1, 1, 1, 1)
    assert r["interpretation"] == "almost perfect"


def test_a_code_never_used_has_no_kappa_but_agreement_ac1_pabak():
    res = agreement(from_vectors(A__main=[1, 0, 1, 0], B__main=[1, 0, 0, 0]), CODEBOOK)
    r = row(res, "medical")
    assert np.isnan(r["kappa"]) and np.isnan(r["alpha"]) and np.isnan(r["kappa_ci_low"])
    assert (r["percent_agreement"], r["ac1"], r["pabak"]) == (1, 1, 1)
    assert r["note"] == "code never used" and r["rare"]
    assert r["interpretation"] == "undefined"
    assert np.isnan(r["positive_agreement"]) and r["negative_agreement"] == 1


def test_a_code_used_for_every_post():
    res = agreement(from_vectors(A__main=[1, 1, 1], B__main=[1, 1, 1]), CODEBOOK)
    r = row(res)
    assert np.isnan(r["kappa"]) and r["note"] == "code used for every post"
    assert r["positive_agreement"] == 1 and np.isnan(r["negative_agreement"])


def test_single_category_dimension_has_no_kappa():
    """Every post coded ``none`` in the single-choice dimension by both: no variation."""
    res = agreement(from_vectors(A__main=[1, 0], B__main=[1, 1]), CODEBOOK)
    dim = res.dimensions.set_index("dimension").loc["topic"]
    assert np.isnan(dim["kappa"]) and dim["note"] == "no variation"
    assert dim["percent_agreement"] == 1 and dim["n_categories"] == 3


def test_rare_code_is_flagged_and_named_in_the_notes():
    x = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] * 3
    res = agreement(from_vectors(A__main=x, B__main=x[::-1]), CODEBOOK)
    r = row(res)
    assert r["rare"] and r["note"].startswith("rare (used for 3/3 of 30 posts)")
    assert any("support:informational" in n for n in res.notes)


def test_no_units_in_common_is_a_clear_error():
    codes = pd.concat([from_vectors(A__main=[1, 0]),
                       from_vectors(B__main=[1, 0, 1]).assign(post_id=lambda d: "q" + d.post_id)])
    with pytest.raises(AgreementError, match=re.escape(
            "the coders have no post in common (A/main 2 post(s), B/main 3 post(s))")):
        agreement(codes, CODEBOOK)


def test_coders_with_different_post_sets_use_the_common_posts():
    a = [1, 0, 1, 1, 0, 0, 1, 0]
    b = [1, 0, 0, 1, 0, 1]
    res = agreement(from_vectors(A__main=a, B__main=b), CODEBOOK)
    same = agreement(from_vectors(A__main=a[:6], B__main=b), CODEBOOK)
    assert res.n_units == 6
    pd.testing.assert_frame_equal(res.codes, same.codes)
    cov = res.coverage.set_index("coder")
    assert cov.loc["A/main", "posts_coded"] == 8 and cov.loc["A/main", "posts_left_out"] == 2
    assert "2 post(s) coded by A/main but not by every other coder are left out" in res.notes


def test_intra_coder_passes_and_coder_names():
    codes = from_vectors(anna__main=[1, 0, 1, 1], anna__retest=[1, 0, 0, 1],
                         ben__pretest=[1, 1, 1, 1])
    res = agreement(codes, CODEBOOK, coders=["anna/main", "anna/retest"])
    assert res.coders == ["anna/main", "anna/retest"]
    assert agreement(codes, CODEBOOK, coders=["anna/retest", "ben"]).coders == [
        "anna/retest", "ben/pretest"]
    with pytest.raises(AgreementError, match=re.escape("coder 'anna' has several passes")):
        agreement(codes, CODEBOOK, coders=["anna", "ben"])
    with pytest.raises(AgreementError, match=re.escape("no codes of 'cleo'")):
        agreement(codes, CODEBOOK, coders=["anna/main", "cleo"])
    with pytest.raises(AgreementError, match=re.escape(
            "agreement needs at least two coder/pass combinations; the codes hold anna/main")):
        agreement(codes, CODEBOOK, coders=["anna/main"])


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.assign(value=d["value"].where(d.index != 3, 2)), "value is not 0 or 1"),
    (lambda d: d.assign(code=d["code"].where(d.index != 0, "legal")),
     "1 row(s) with a dimension or code the codebook does not have: support:legal"),
    (lambda d: pd.concat([d, d.iloc[[0]]]), "2 row(s) repeat a decision (post, coder, pass"),
    (lambda d: d.assign(value=np.where(d["dimension"].eq("topic"), 1, d["value"])),
     "more than one code of the single-choice dimension 'topic'"),
    (lambda d: d.drop(columns="pass"), "not a codes table: missing column(s) pass"),
])
def test_invalid_codes_are_rejected(change, message):
    codes = from_vectors(A__main=[1, 0], B__main=[1, 1])
    with pytest.raises(CodingError, match=re.escape(message)):
        agreement(change(codes), CODEBOOK)


def test_options_are_checked():
    codes = from_vectors(A__main=[1, 0], B__main=[1, 1])
    with pytest.raises(AgreementError, match=re.escape("confidence must be between 0 and 1")):
        agreement(codes, CODEBOOK, confidence=95)
    with pytest.raises(AgreementError, match=re.escape("bootstrap must be 0")):
        agreement(codes, CODEBOOK, bootstrap=-1)


# --- output and gate -------------------------------------------------------------------------

def test_json_has_the_contract_fields_and_no_nan():
    res = agreement(from_vectors(A__main=[1, 0, 1], B__main=[1, 0, 0]), CODEBOOK)
    doc = json.loads(res.to_json())
    assert doc["coders"] == ["A/main", "B/main"] and doc["n_units"] == 3
    for rec in doc["codes"]:
        assert list(rec)[:10] == ["dimension", "code", "n", "percent_agreement", "kappa",
                                  "kappa_ci_low", "kappa_ci_high", "pabak", "ac1", "alpha"]
    assert {"dimension", "n", "kappa", "alpha"} <= set(doc["dimensions"][0])
    medical = next(r for r in doc["codes"] if r["code"] == "medical")
    assert medical["kappa"] is None and medical["percent_agreement"] == 1.0
    for rec in doc["codes"]:
        for key in ("percent_agreement", "pabak", "ac1"):
            assert -1 <= rec[key] <= 1


def test_the_gate_lists_codes_below_and_undefined_kappas():
    res = agreement(from_vectors(A__main=[1, 0, 1, 0, 1, 0], B__main=[1, 0, 1, 0, 0, 1]),
                    CODEBOOK)
    strict = res.below(0.8, require_variation=True)
    assert set(zip(strict["dimension"], strict["code"].fillna(""), strict=True)) == {
        ("support", "informational"), ("support", "emotional"), ("support", "medical"),
        ("topic", "nutrition"), ("topic", "activity"), ("topic", "")}
    assert strict.set_index("code").loc["informational", "reason"] == "kappa 0.333 < 0.8"
    assert strict.set_index("code").loc["medical", "reason"] == (
        "kappa undefined (code never used)")
    # the documented rule: a code that never varies (full agreement) passes and is named
    failing = res.below(0.8)
    assert list(failing["code"]) == ["informational"]
    assert res.without_variation() == ["support:emotional", "support:medical",
                                       "topic:nutrition", "topic:activity"]
    assert res.below(0.3).empty
    # strict (a published "kappa > 0.3"): a kappa equal to the bound fails
    assert res.below(1 / 3, strict=True).set_index("code").loc[
        "informational", "reason"] == "kappa 0.333 is not above 0.333333"


# --- Gwet's analytic SEs in the agreement table; exact zeros; degenerate cases -----------------

def test_agreement_table_carries_gwet_ses_and_cis():
    """The agreement table's AC1/PABAK/alpha SEs (and Fleiss/Conger for 3 coders) are those
    of chatcode.reliability.gwet_variance, which matches irrCAC (Gwet 2014) to 1e-6 in
    tests/reliability/test_gwet_variance.py; here: Conger's SE for 3 coders recomputed by
    the unit values of Gwet (2014, eq. 5.23) written out in numpy."""
    a = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1]
    b = [1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1]
    c = [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1]
    r = row(agreement(from_vectors(A__main=a, B__main=b, C__main=c), CODEBOOK))
    for name in ("ac1", "pabak", "alpha", "fleiss_kappa"):
        assert 0 < r[f"{name}_se"] < 1
        assert r[f"{name}_ci_low"] < r[name] < r[f"{name}_ci_high"]
    x = np.array([a, b, c])                      # raters x units
    n, R = x.shape[1], 3
    p = np.stack([(x == k).mean(axis=1) for k in (0, 1)], axis=1)     # (R, C)
    tot = p.sum(axis=0)
    pe = ((tot ** 2 - (p ** 2).sum(axis=0)).sum()) / (R * (R - 1))
    nuc = np.stack([(x == k).sum(axis=0) for k in (0, 1)], axis=1)    # (U, C)
    pa_u = (nuc * (nuc - 1)).sum(axis=1) / (R * (R - 1))
    kappa = (pa_u.mean() - pe) / (1 - pe)
    pe_u = np.array([sum(tot[x[g, u]] - p[g, x[g, u]] for g in range(R))
                     for u in range(n)]) / (R * (R - 1))
    unit = (pa_u - pe) / (1 - pe) - 2 * (1 - kappa) * (pe_u - pe) / (1 - pe)
    se = np.sqrt(((unit - kappa) ** 2).sum() / (n * (n - 1)))
    assert r["kappa"] == pytest.approx(kappa, abs=1e-12)
    assert r["kappa_se"] == pytest.approx(se, abs=1e-12)


def test_a_constant_coder_gives_kappa_exactly_zero_without_a_label():
    """Coder B says 1 for every post: observed and chance agreement are equal, so kappa is
    0 by definition (float noise rounded to exactly 0) and gets no Landis-Koch label; two
    constant coders who never agree (0% agreement) the same."""
    r = row(agreement(from_vectors(A__main=[1, 0, 1, 0, 0, 1, 0], B__main=[1] * 7),
                      CODEBOOK))
    assert r["kappa"] == 0.0
    assert r["interpretation"] == "not interpretable"
    assert "kappa is 0 by definition" in r["note"]
    r = row(agreement(from_vectors(A__main=[0] * 5, B__main=[1] * 5), CODEBOOK))
    assert (r["percent_agreement"], r["kappa"]) == (0.0, 0.0)
    assert r["interpretation"] == "not interpretable"
    assert st.exact_zero(np.array([-1.1e-14, 1e-13, 0.2]))[:2].tolist() == [0.0, 0.0]
