"""With/without comparisons (chatcode.engagement.comparisons), checked
against published worked examples and
against independent computations written out in the tests."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from chatcode.engagement.comparisons import (
    adjust,
    compare_codes,
    describe,
    mean_ci,
    normalize_test,
    stars,
    with_without,
)
from chatcode.engagement.comparisons import (
    test_label as label_of,
)
from chatcode.errors import TablesError

Z975 = stats.norm.ppf(0.975)


def test_mann_whitney_worked_example_without_ties():
    """Shier R. (2004), "Statistics: 2.3 The Mann-Whitney U Test", Mathematics Learning
    Support Centre (the example of scipy.stats.mannwhitneyu's documentation): ages at
    diagnosis of 5 males and 4 females; U_M = 17, U_F = 3, and the normal approximation
    without continuity correction gives z = (3 - 10) / sqrt(5*4*10/12) = -1.71, p = 0.09.
    The exact p of the same example is 0.1111 (scipy.stats.mannwhitneyu documentation), which
    is what the automatic choice for groups under 30 posts gives."""
    males, females = [19, 22, 16, 29, 24], [20, 11, 17, 12]
    auto = with_without(np.array(males + females), np.array([1] * 5 + [0] * 4))
    assert auto["p_value"] == pytest.approx(0.1111, abs=5e-5)
    assert auto["p_method"] == "exact"
    row = with_without(np.array(males + females), np.array([1] * 5 + [0] * 4), exact=False)
    assert row["statistic"] == 17.0
    assert row["z"] == pytest.approx(7 / math.sqrt(5 * 4 * 10 / 12))
    assert round(row["p_value"], 2) == 0.09
    assert row["stars"] == "*"
    assert "no continuity correction" in row["test"]


def test_mann_whitney_worked_example_with_ties_and_continuity_correction():
    """NAG Library, G08AHF example program results (Mann-Whitney U test, two samples of 16
    and 23 with ties): U = 86, normal statistic -2.8039, approximate (one-)tail probability
    0.0025. NAG applies the continuity correction, so continuity=True must reproduce it."""
    g1 = [13, 6, 12, 7, 12, 7, 10, 7, 10, 7, 16, 7, 10, 8, 9, 8]
    g2 = [17, 6, 10, 8, 15, 8, 15, 10, 15, 10, 14, 10, 14, 11, 14, 11, 13, 12, 13, 12, 13,
          12, 12]
    row = with_without(np.array(g1 + g2), np.array([1] * 16 + [0] * 23), continuity=True,
                       exact=False)
    assert row["statistic"] == 86.0
    assert row["z"] == pytest.approx(-2.8039, abs=5e-5)
    assert row["p_value"] / 2 == pytest.approx(0.0025, abs=5e-5)
    assert "with continuity correction" in row["test"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=4, max_size=60), st.data(),
       st.booleans())
def test_mann_whitney_agrees_with_scipy(values, data, continuity):
    """The shared-ranks implementation gives scipy.stats.mannwhitneyu's asymptotic U and p
    (two-sided, tie correction), with and without the continuity correction."""
    n = len(values)
    k = data.draw(st.integers(1, n - 1))
    mask = np.zeros(n, dtype=int)
    mask[data.draw(st.permutations(range(n)))[:k]] = 1
    y = np.array(values, dtype=float)
    row = with_without(y, mask, continuity=continuity, exact=False)
    if len(set(values)) == 1:
        assert math.isnan(row["p_value"]) and row["note"] == "all values are equal"
        return
    ref = stats.mannwhitneyu(y[mask == 1], y[mask == 0], method="asymptotic",
                             use_continuity=continuity)
    assert row["statistic"] == pytest.approx(ref.statistic)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)


def test_many_codes_give_the_same_rows_as_one_code_at_a_time():
    rng = np.random.default_rng(3)
    y = rng.poisson(1.0, 80)
    codes = pd.DataFrame({c: (rng.random(80) < p).astype(int)
                          for c, p in (("a", 0.2), ("b", 0.5), ("c", 0.05))})
    table = compare_codes(y, codes)
    assert table["code"].tolist() == ["a", "b", "c"]
    for _, row in table.iterrows():
        one = with_without(y, codes[row["code"]])
        assert row["statistic"] == one["statistic"] and row["p_value"] == one["p_value"]


def _numpy_describe(x: np.ndarray) -> tuple[int, float, float]:
    n = len(x)
    mean = x.sum() / n
    return n, mean, math.sqrt(((x - mean) ** 2).sum() / (n - 1))


def test_means_and_sample_sd_with_and_without():
    y = np.array([0, 1, 3, 0, 2, 5, 0, 0, 1], dtype=float)
    code = np.array([0, 0, 1, 0, 1, 1, 0, 1, 0])
    row = with_without(y, code)
    for side, mask in (("with", code == 1), ("without", code == 0)):
        n, mean, sd = _numpy_describe(y[mask])
        assert row[f"n_{side}"] == n
        assert row[f"mean_{side}"] == pytest.approx(mean)
        assert row[f"sd_{side}"] == pytest.approx(sd)
    assert describe([4.0])[2] != describe([4.0])[2]  # SD of one value is NaN


def test_welch_and_student_t_against_the_formulas():
    """t = (m1 - m0) / se with se and df from the textbook formulas (Welch-Satterthwaite
    for unequal variances; pooled variance with n1 + n0 - 2 df for Student)."""
    y = np.array([0, 1, 3, 0, 2, 5, 0, 0, 1, 7, 2, 0], dtype=float)
    code = np.array([0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0])
    a, b = y[code == 1], y[code == 0]
    n1, m1, s1 = _numpy_describe(a)
    n0, m0, s0 = _numpy_describe(b)
    v1, v0 = s1 ** 2 / n1, s0 ** 2 / n0
    t = (m1 - m0) / math.sqrt(v1 + v0)
    df = (v1 + v0) ** 2 / (v1 ** 2 / (n1 - 1) + v0 ** 2 / (n0 - 1))
    welch = with_without(y, code, test="welch")
    assert welch["statistic"] == pytest.approx(t)
    assert welch["df"] == pytest.approx(df)
    assert welch["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), df))
    pooled = ((n1 - 1) * s1 ** 2 + (n0 - 1) * s0 ** 2) / (n1 + n0 - 2)
    t = (m1 - m0) / math.sqrt(pooled * (1 / n1 + 1 / n0))
    student = with_without(y, code, test="student")
    assert student["statistic"] == pytest.approx(t)
    assert student["df"] == n1 + n0 - 2
    assert student["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), n1 + n0 - 2))
    assert welch["test"].startswith("Welch") and student["test"].startswith("Student")


def _overdispersed(seed: int = 7, n: int = 300):
    rng = np.random.default_rng(seed)
    x = rng.random(n) < 0.35
    mu = np.where(x, 1.2, 0.6)
    y = rng.negative_binomial(1 / 1.5, 1 / (1 + 1.5 * mu)).astype(float)
    return y, x, rng.integers(0, 25, n)


def _nb2_alpha(y: np.ndarray, mu: np.ndarray) -> float:
    def nll(log_alpha: float) -> float:
        a = math.exp(log_alpha)
        return -stats.nbinom.logpmf(y, 1 / a, 1 / (1 + a * mu)).sum()
    return math.exp(optimize.minimize_scalar(nll, bounds=(-10, 5), method="bounded").x)


def test_negative_binomial_against_its_closed_form():
    """NB2 with an intercept and one binary covariate (log link): the score equations
    sum (y - mu) x / (1 + alpha mu) = 0 give mu = the group means (Cameron & Trivedi,
    Regression Analysis of Count Data, 2nd ed., 2013, sect. 3.3), so IRR = mean_with /
    mean_without, and the information gives Var(log IRR) = sum over the groups of
    (1 + alpha mu_g) / (n_g mu_g). alpha is estimated here on its own, by maximising the
    profile likelihood with scipy.stats.nbinom."""
    y, x, _ = _overdispersed()
    row = with_without(y, x.astype(int), test="negbin")
    m1, m0 = y[x].mean(), y[~x].mean()
    alpha = _nb2_alpha(y, np.where(x, m1, m0))
    se = math.sqrt((1 + alpha * m1) / (x.sum() * m1) + (1 + alpha * m0) / ((~x).sum() * m0))
    b = math.log(m1 / m0)
    assert row["irr"] == pytest.approx(m1 / m0, rel=1e-6)
    assert row["alpha"] == pytest.approx(alpha, rel=1e-3)
    assert row["statistic"] == pytest.approx(b / se, rel=1e-4)
    assert row["irr_ci_low"] == pytest.approx(math.exp(b - Z975 * se), rel=1e-4)
    assert row["irr_ci_high"] == pytest.approx(math.exp(b + Z975 * se), rel=1e-4)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(b / se)), rel=1e-3)


def test_negative_binomial_cluster_robust_against_the_sandwich_formula():
    """Cluster-robust variance B^-1 M B^-1 * G/(G-1) * (N-1)/(N-K) (K = 3 parameters with
    alpha; the small-sample factor of statsmodels' cov_type="cluster"), where at the MLE of
    this model B = sum x x' mu / (1 + alpha mu) and M sums, per cluster, the outer product
    of sum x (y - mu) / (1 + alpha mu) (Cameron & Miller 2015, J Human Resources 50(2))."""
    y, x, cluster = _overdispersed()
    row = with_without(y, x.astype(int), test="negbin",
                       cluster=pd.Series(cluster, name="author"))
    m1, m0 = y[x].mean(), y[~x].mean()
    mu = np.where(x, m1, m0)
    alpha = row["alpha"]
    design = np.column_stack([np.ones(len(y)), x.astype(float)])
    bread = np.linalg.inv((design * (mu / (1 + alpha * mu))[:, None]).T @ design)
    score = design * ((y - mu) / (1 + alpha * mu))[:, None]
    meat = sum(np.outer(score[cluster == g].sum(0), score[cluster == g].sum(0))
               for g in np.unique(cluster))
    groups, n = len(np.unique(cluster)), len(y)
    var = (bread @ meat @ bread)[1, 1] * groups / (groups - 1) * (n - 1) / (n - 3)
    b = math.log(m1 / m0)
    assert row["irr_ci_low"] == pytest.approx(math.exp(b - Z975 * math.sqrt(var)), rel=1e-6)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(b) / math.sqrt(var)),
                                           rel=1e-6)
    assert "cluster-robust SEs by author" in row["test"]


def test_negative_binomial_explains_why_it_has_no_result():
    y = np.array([2, 3, 2, 3, 2, 0, 0, 0, 0, 0], dtype=float)
    row = with_without(y, np.array([1] * 5 + [0] * 5), test="negbin")
    assert math.isnan(row["p_value"]) and math.isnan(row["irr"])
    assert row["note"] == "a group has no responses at all: the rate ratio is 0 or infinite"
    assert row["stars"] == ""


@pytest.mark.parametrize(("p", "mark"), [(0.1, ""), (0.0999, "*"), (0.05, "*"),
                                         (0.0499, "**"), (0.01, "**"), (0.0099, "***"),
                                         (float("nan"), ""), (None, "")])
def test_stars_as_in_the_paper(p, mark):
    assert stars(p) == mark


def test_holm_and_benjamini_hochberg_by_hand():
    """Holm: sorted p (0.01, 0.03, 0.04, 0.2) times (4, 3, 2, 1), running maximum ->
    0.04, 0.09, 0.09, 0.2. BH: p * 4 / rank (0.04, 0.06, 0.0533, 0.2), running minimum from
    the largest -> 0.04, 0.0533, 0.0533, 0.2. NaN is not counted as a test."""
    p = [0.01, 0.04, float("nan"), 0.03, 0.2]
    np.testing.assert_allclose(adjust(p, method="holm"), [0.04, 0.09, np.nan, 0.09, 0.2])
    np.testing.assert_allclose(adjust(p, method="fdr_bh"),
                               [0.04, 0.16 / 3, np.nan, 0.16 / 3, 0.2])


def test_adjusted_p_values_decide_the_stars():
    y = np.r_[np.full(20, 3.0), np.zeros(40)]
    codes = pd.DataFrame({"a": np.r_[np.ones(20), np.zeros(40)].astype(int),
                          "b": np.tile([0, 1], 30)})
    plain = compare_codes(y, codes)
    holm = compare_codes(y, codes, adjust="holm")
    assert "p_adjusted" not in plain and holm["p_adjusted"].tolist() == pytest.approx(
        adjust(plain["p_value"].to_numpy(), method="holm"))
    assert holm["stars"].tolist() == [stars(p) for p in holm["p_adjusted"]]
    assert holm["test"].iat[0].endswith("p-values adjusted by Holm")


def test_groups_too_small_for_a_test_are_explained():
    y = np.array([1.0, 2.0, 0.0])
    none = with_without(y, np.array([0, 0, 0]))
    assert math.isnan(none["statistic"]) and none["note"] == "no post has the code"
    one = with_without(y, np.array([1, 0, 0]), test="welch")
    assert one["note"] == "a group has fewer than 2 posts"
    flat = with_without(np.array([1.0, 1.0, 2.0, 2.0]), np.array([1, 1, 0, 0]),
                        test="student")
    assert flat["note"] == "no variation within the groups"


def test_confidence_interval_of_a_mean():
    x = np.array([0, 1, 3, 0, 2, 5], dtype=float)
    n, mean, sd = _numpy_describe(x)
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert mean_ci(x) == pytest.approx((mean - half, mean + half))


def test_bad_input_is_reported():
    y = np.array([1.0, 2.0, 3.0])
    with pytest.raises(TablesError, match=re.escape("unknown test 'anova'")):
        with_without(y, np.array([1, 0, 0]), test="anova")
    with pytest.raises(TablesError, match=re.escape(
            "the cluster labels have 2 entries for 3 posts")):
        with_without(y, np.array([1, 0, 0]), cluster=np.array([1, 1]))
    for codes in ([1, 0, 2], [1, 0, -1], [1.0, 0.0, 0.5], ["1", "0", "x"]):
        for dtype in ((np.int8, np.int64, np.uint8) if isinstance(codes[0], int) else (None,)):
            if dtype is np.uint8 and min(codes) < 0:
                continue
            with pytest.raises(TablesError, match=re.escape(
                    "the code 'code' has values other than 0 and 1 (1 of 3)")):
                with_without(y, np.array(codes, dtype=dtype))
    with pytest.raises(TablesError, match=re.escape("the values to compare have missing")):
        with_without(np.array([1.0, np.nan, 3.0]), np.array([1, 0, 0]))


def test_test_names_and_aliases():
    assert normalize_test("Mann_Whitney") == "mannwhitney"
    assert normalize_test("negative_binomial") == "negbin"
    assert label_of("negbin", cluster="group", adjust="bh").endswith(
        "cluster-robust SEs by group); t with G - 1 df below 20 clusters; p-values "
        "adjusted by Benjamini-Hochberg (FDR)")
