"""Effect sizes, small-group p-values and cluster-aware p-values of with/without rows,
checked against published worked examples and independent implementations (scipy,
scikit-learn, statsmodels, pairwise counting written out here)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from chatcode.engagement import effect_sizes as E
from chatcode.engagement.comparisons import compare_codes, with_without
from chatcode.engagement.small_samples import exact_p, monte_carlo_p, permutation_p


def _delong_pairwise(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """AUC and DeLong SE by brute force over all pairs (DeLong et al. 1988, eq. 2-5)."""
    psi = (a[:, None] > b[None, :]) + 0.5 * (a[:, None] == b[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / len(a) + v01.var(ddof=1) / len(b)
    return float(psi.mean()), math.sqrt(var)


def test_rank_biserial_hanley_mcneil_ratings():
    """Hanley & McNeil (1982), Radiology 143:29-36, Table 1: 58 normal and 51 abnormal
    CT images rated 1-5; the area under the ROC curve is 0.893. The rank-biserial r is
    2 AUC - 1 (Kerby 2014) and its SE twice DeLong's SE, computed here pair by pair."""
    normal = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2]).astype(float)
    abnormal = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33]).astype(float)
    y = np.r_[abnormal, normal]
    mask = np.r_[np.ones(51, bool), np.zeros(58, bool)]
    _, index, counts = E.value_levels(y)
    r, se, low, high = E.rank_biserial(index, counts, mask)
    assert (r + 1) / 2 == pytest.approx(0.893, abs=5e-4)
    auc, se_auc = _delong_pairwise(abnormal, normal)
    assert r == pytest.approx(2 * auc - 1, abs=1e-12)
    assert se == pytest.approx(2 * se_auc, rel=1e-10)
    z = stats.norm.ppf(0.975)
    assert (low, high) == pytest.approx((math.tanh(math.atanh(r) - z * se / (1 - r * r)),
                                         math.tanh(math.atanh(r) + z * se / (1 - r * r))))


def test_rank_biserial_equals_cliffs_delta_and_sklearn_auc():
    """r = Cliff's delta (pairs up minus pairs down, counted here) = 2 AUC - 1 with
    scikit-learn's roc_auc_score, on random counts with many ties."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.negative_binomial(1, 0.4, 300).astype(float)
    mask = rng.random(300) < 0.3
    row = with_without(y, mask.astype(int))
    a, b = y[mask], y[~mask]
    delta = (np.sign(a[:, None] - b[None, :])).mean()
    assert row["effect_measure"] == "rank_biserial"
    assert row["effect_size"] == pytest.approx(delta, abs=1e-12)
    assert row["effect_size"] == pytest.approx(2 * roc_auc_score(mask, y) - 1, abs=1e-12)
    assert row["effect_se"] == pytest.approx(2 * _delong_pairwise(a, b)[1], rel=1e-10)


@pytest.mark.parametrize("y", [
    np.array([3.0, 0.0, 1.0, 3.0, 7.0, 0.0]),               # counts: bincount
    np.array([-4, 2, 2, -4, 9]),                             # integers below zero
    np.array([0.5, 2.0, 0.5, 1.0]),                          # fractions: sorted
    np.array([1.0, np.nan, 1.0]),                            # missing: sorted
    np.array([0.0, 1e12, 5.0]),                              # too wide a range: sorted
    np.random.default_rng(3).poisson(2.5, 5_000).astype("float64"),
])
def test_value_levels_equal_numpy_unique(y):
    """The distinct values, each value's level and the counts are those of
    ``numpy.unique(return_inverse=True, return_counts=True)``, values and dtypes alike,
    whether counted in one pass or sorted."""
    got = E.value_levels(y)
    want = np.unique(y, return_inverse=True, return_counts=True)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_hedges_g_borenstein_worked_example():
    """Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis, ch. 4
    (Hedges & Olkin 1985): means 103 and 100, SDs 5.5 and 4.5, n 50 and 50 give
    d = 0.5970, V_d = 0.0418, J = 0.9923, g = 0.5924, V_g = 0.0411 (SE 0.2028)."""
    g, se, low, high = E.hedges_g(50, 103, 5.5, 50, 100, 4.5)
    assert g == pytest.approx(0.5924, abs=5e-5)
    assert se ** 2 == pytest.approx(0.0411, abs=5e-5)
    assert (low, high) == pytest.approx((g - 1.959964 * se, g + 1.959964 * se), abs=1e-6)


def test_t_test_rows_carry_hedges_g_and_mean_cis():
    """Hedges' g from the two groups (pooled SD, J correction) and each mean's t interval
    agree with scipy's t quantiles written out here."""
    rng = np.random.default_rng(5)
    y = rng.poisson(2, 80).astype(float)
    mask = np.arange(80) < 30
    row = with_without(y, mask.astype(int), test="welch")
    a, b = y[mask], y[~mask]
    sp = math.sqrt(((29) * a.var(ddof=1) + 49 * b.var(ddof=1)) / 78)
    assert row["effect_measure"] == "hedges_g"
    assert row["effect_size"] == pytest.approx((1 - 3 / (4 * 80 - 9)) * (a.mean() - b.mean())
                                               / sp)
    half = stats.t.ppf(0.975, 29) * a.std(ddof=1) / math.sqrt(30)
    assert (row["mean_with_ci_low"], row["mean_with_ci_high"]) == pytest.approx(
        (a.mean() - half, a.mean() + half))
    assert row["p_method"] == "t"


def test_negative_binomial_effect_is_the_rate_ratio():
    rng = np.random.default_rng(7)
    x = rng.random(400) < 0.4
    y = rng.negative_binomial(2, 1 / (1 + np.where(x, 2.0, 1.0) / 2)).astype(float)
    row = with_without(y, x.astype(int), test="negbin")
    assert row["effect_measure"] == "rate_ratio"
    assert row["effect_size"] == pytest.approx(row["irr"])
    assert (row["effect_ci_low"], row["effect_ci_high"]) == (row["irr_ci_low"],
                                                             row["irr_ci_high"])


def test_negative_binomial_fitted_to_the_maximum_of_the_likelihood():
    """The NB2 fit reaches the maximum (score 0 to 1e-6): the p-value is that of
    statsmodels' Newton fit run to convergence from another start."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    rng = np.random.default_rng(11)
    x = (rng.random(500) < 0.3).astype(float)
    y = rng.negative_binomial(1.5, 1 / (1 + np.exp(0.2 + 0.5 * x) / 1.5)).astype(float)
    row = with_without(y, x.astype(int), test="negbin")
    ref = NegativeBinomial(y, np.column_stack([np.ones(500), x])).fit(
        method="nm", maxiter=20000, xtol=1e-12, ftol=1e-14, disp=0)
    ref = NegativeBinomial(y, np.column_stack([np.ones(500), x])).fit(
        start_params=ref.params, method="newton", tol=1e-12, disp=0)
    assert row["p_value"] == pytest.approx(float(ref.pvalues[1]), abs=1e-8)
    assert row["note"] == ""


def _enumerate(y: np.ndarray, mask: np.ndarray) -> float:
    ranks = stats.rankdata(y)
    t = ranks[mask].sum()
    sums = np.array([ranks[list(c)].sum()
                     for c in itertools.combinations(range(len(y)), int(mask.sum()))])
    return min(1.0, 2 * min(np.mean(sums <= t + 1e-9), np.mean(sums >= t - 1e-9)))


@pytest.mark.parametrize("seed", range(6))
def test_exact_p_against_scipy_permutation_test(seed):
    """The enumerated permutation p equals scipy.stats.permutation_test with every
    permutation (n_resamples=inf) on small samples with ties."""
    rng = np.random.default_rng(seed)
    n1, n0 = int(rng.integers(2, 6)), int(rng.integers(3, 9))
    a = rng.integers(0, 4, n1).astype(float)
    b = rng.integers(0, 5, n0).astype(float)
    if len(set(np.r_[a, b])) == 1:
        b[0] = 7
    ref = stats.permutation_test(
        (a, b), lambda x, z, axis: stats.mannwhitneyu(x, z, axis=axis).statistic,
        vectorized=True, n_resamples=np.inf)
    row = with_without(np.r_[a, b], np.r_[np.ones(n1), np.zeros(n0)].astype(int))
    assert row["p_method"] == "exact"
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)


def test_a_group_of_one_post_cannot_go_below_its_smallest_exact_p():
    """One post with the code among 20: the smallest two-sided permutation p is 2/20."""
    y = np.r_[9.0, np.arange(19, dtype=float) % 5]
    mask = np.r_[1, np.zeros(19)].astype(int)
    row = with_without(y, mask)
    assert row["p_value"] == pytest.approx(0.1)
    assert row["p_value"] == pytest.approx(_enumerate(y, mask.astype(bool)))
    asymptotic = with_without(y, mask, exact=False)
    assert asymptotic["p_value"] < 0.1


def test_monte_carlo_p_agrees_with_the_exact_p():
    """When enumerating is too large, the seeded Monte Carlo p is within 3 MC SEs of the
    exact p (computed here where enumeration still fits), and reproducible."""
    rng = np.random.default_rng(2)
    y = rng.poisson(3, 600).astype(float)
    mask = np.zeros(600, bool)
    mask[:12] = True
    y[:12] += 1
    _, index, counts = E.value_levels(y)
    small = np.bincount(index[mask], minlength=len(counts))
    exact = exact_p(counts, small)
    mc = monte_carlo_p(counts, small)
    assert abs(mc - exact) < 3 * math.sqrt(exact * (1 - exact) / 100_000) * 2
    assert monte_carlo_p(counts, small) == mc
    # many distinct values: too many states to enumerate, Monte Carlo by positions
    z = rng.normal(size=5000)
    mask = np.zeros(5000, bool)
    mask[:25] = True
    _, index, counts = E.value_levels(z)
    p, method = permutation_p(counts, np.bincount(index[mask], minlength=len(counts)))
    assert method == "monte_carlo"
    ref = stats.mannwhitneyu(z[mask], z[~mask], method="asymptotic").pvalue
    assert p == pytest.approx(ref, abs=0.02)


def test_zero_variance_group_gets_no_stars_and_a_warning():
    """Welch's t on 5 posts that all have 0 responses: scipy gives a tiny p, chatcode keeps
    p but prints no stars and says why."""
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(5), rng.poisson(2, 200)].astype(float)
    mask = np.r_[np.ones(5), np.zeros(200)].astype(int)
    for test in ("welch", "student"):
        row = with_without(y, mask, test=test)
        assert row["p_value"] < 0.01
        assert row["stars"] == ""
        assert "no variation" in row["note"] and "no stars" in row["note"]


def test_cluster_aware_p_for_every_test_with_few_clusters():
    """With G clusters below 20, p comes from t with G - 1 df of the cluster-robust Wald
    statistic; the statistic is that of statsmodels' GEE (exchangeable, robust SE) of the
    midranks (Mann-Whitney) or of the values (t-tests), fitted here directly."""
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(6), 40)
    y = rng.poisson(np.exp(0.3 + 0.3 * rng.normal(size=6))[g]).astype(float)
    mask = (rng.random(240) < 0.4)
    for test, target in (("mannwhitney", stats.rankdata(y)), ("welch", y)):
        row = with_without(y, mask.astype(int), test=test, cluster=g)
        ref = sm.GEE(target, sm.add_constant(mask.astype(float)), groups=g,
                     cov_struct=sm.cov_struct.Exchangeable()).fit()
        z = ref.params[1] / ref.bse[1]
        assert row["cluster_z"] == pytest.approx(z, rel=1e-6)
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(z), 5), rel=1e-6)
        assert row["n_clusters"] == 6
        assert row["p_method"] == "cluster_t_5df"
        assert "only 6 clusters" in row["note"]
        assert "cluster" in row["test"]
    nb = with_without(y, mask.astype(int), test="negbin", cluster=g)
    assert nb["p_value"] == pytest.approx(2 * stats.t.sf(abs(nb["statistic"]), 5))


def test_many_codes_share_one_pass():
    rng = np.random.default_rng(9)
    y = rng.poisson(1.5, 120).astype(float)
    import pandas as pd

    ind = pd.DataFrame({f"c{i}": (rng.random(120) < 0.3).astype(int) for i in range(3)})
    many = compare_codes(y, ind)
    for i, code in enumerate(ind.columns):
        one = with_without(y, ind[code])
        assert many.iloc[i]["effect_size"] == pytest.approx(one["effect_size"])
        assert many.iloc[i]["p_value"] == pytest.approx(one["p_value"])


def test_rows_without_a_test_name_no_method_and_no_effect():
    import pandas as pd

    y = np.array([0, 1, 2, 3, 0, 1.0])
    out = compare_codes(y, pd.DataFrame({"a": [0] * 6, "b": [1, 0, 1, 0, 0, 0]}))
    assert out["p_method"].tolist() == ["", "exact"]
    assert math.isnan(out["effect_size"].iat[0]) and out["note"].iat[0] == "no post has the code"


def test_a_code_in_few_clusters_gets_no_stars_with_cluster():
    """Five posts with the code, all by one author and all 0: the cluster-robust variance
    rests on one cluster (MacKinnon & Webb 2017), so the row gets no stars and a note."""
    rng = np.random.default_rng(8)
    authors = np.repeat(np.arange(40), 10)
    y = rng.poisson(1.0, 400).astype(float)
    mask = np.zeros(400, dtype=int)
    mask[:5] = 1
    y[:5] = 0
    row = with_without(y, mask, cluster=authors)
    assert row["stars"] == ""
    assert "come from only 1 cluster(s)" in row["note"]


def test_with_without_rows_need_not_load_scipy_stats():
    """The Mann-Whitney rows (U, p, rank-biserial r and its CI, the t-based CIs of the
    means) take their quantiles from scipy.special, which scipy.stats calls: the same
    numbers, without loading scipy.stats (about half a second). Checked in a fresh
    interpreter through sys.modules."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import chatcode

    code = "\n".join([
        "import sys, numpy as np, pandas as pd",
        "from chatcode.engagement.comparisons import compare_codes",
        "rng = np.random.default_rng(3)",
        "codes = pd.DataFrame({'a': rng.integers(0, 2, 200), 'b': rng.integers(0, 2, 200)})",
        "out = compare_codes(rng.poisson(2, 200), codes)",
        "assert out['effect_ci_low'].notna().all(), out",
        "print('scipy.stats' in sys.modules)"])
    src = str(Path(chatcode.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [src, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    for level in (0.9, 0.95, 0.99):
        n = np.array([2.0, 3.0, 30.0, 1e6])
        low, high = E.mean_cis(n, np.zeros(4), np.ones(4), level)
        t = stats.t.ppf(0.5 + level / 2, n - 1)
        assert np.array_equal(high, t / np.sqrt(n)) and np.array_equal(low, -high)
        r, se = 0.3, 0.1
        z = stats.norm.ppf(0.5 + level / 2)
        assert E._fisher_ci(r, se, level) == (
            math.tanh(math.atanh(r) - z * se / (1 - r * r)),
            math.tanh(math.atanh(r) + z * se / (1 - r * r)))
