"""Analytic SEs and 95% CIs of AC1, PABAK, Fleiss' kappa, Conger's kappa and Krippendorff's
alpha (chatcode.reliability.gwet_variance) against the irrCAC package (Gwet 2014, Handbook
of Inter-Rater Reliability, 4th ed.) on irrCAC's own datasets, to 1e-6. The reference values
and datasets are in tests/fixtures/agreement/irrcac_reference.py (computed with irrCAC
0.4.4, ``digits=15``)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from chatcode.reliability import coefficients as st
from chatcode.reliability.gwet_variance import gwet_se, t_interval

_SPEC = importlib.util.spec_from_file_location(
    "irrcac_reference", Path(__file__).parents[1] / "fixtures" / "agreement" /
    "irrcac_reference.py")
REF = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(REF)
NAMES = {"ac1": "ac1", "pabak": "pabak", "fleiss": "fleiss_kappa", "alpha": "alpha",
         "conger": "kappa"}
SE_NAMES = {"ac1": "ac1", "pabak": "pabak", "fleiss": "fleiss_kappa", "alpha": "alpha",
            "conger": "conger_kappa"}


def _analyse(name: str):
    data = REF.DATASETS[name]
    cats = data["categories"]
    ratings = np.array([[cats.index(x) for x in row] for row in data["ratings"]]).T[None]
    valid = np.ones((1, ratings.shape[2]), dtype=bool)
    s = st.sufficient_statistics(ratings, valid, len(cats))
    c = st.coefficients(s)
    c["alpha"] = st.alpha_complete(s)
    return c, gwet_se(ratings, valid, len(cats), c), s.n


@pytest.mark.parametrize("name", sorted(REF.DATASETS))
def test_coefficients_ses_and_cis_match_irrcac(name):
    c, se, n = _analyse(name)
    for coef, ref in REF.REFERENCE[name]["raw"].items():
        value = float(c[NAMES[coef]][0])
        assert value == pytest.approx(ref["value"], abs=1e-6), coef
        assert float(se[SE_NAMES[coef]][0]) == pytest.approx(ref["se"], abs=1e-6), coef
        low, high = t_interval(c[NAMES[coef]], se[SE_NAMES[coef]], n)
        assert (float(low[0]), float(high[0])) == pytest.approx(tuple(ref["ci"]), abs=1e-6)


@pytest.mark.parametrize("name", ["cont3x3abstractors", "cont4x4diagnosis"])
def test_contingency_table_variances_differ_only_by_n_over_n_minus_1(name):
    """irrCAC's table functions divide the variance by n^2 instead of n (n - 1): the raw
    SE times sqrt((n - 1) / n) is the table SE (AC1, PABAK, alpha; Scott's pi = Fleiss)."""
    c, se, n = _analyse(name)
    k = float(n[0])
    table = REF.REFERENCE[name]["table"]
    for coef, key in (("ac1", "ac1"), ("pabak", "pabak"), ("alpha", "alpha"),
                      ("scott", "fleiss_kappa")):
        assert float(se[key][0]) * math.sqrt((k - 1) / k) == pytest.approx(
            table[coef]["se"], abs=1e-6)


def test_undefined_coefficients_have_no_se():
    ratings = np.zeros((1, 3, 6), dtype=np.int64)
    valid = np.ones((1, 6), dtype=bool)
    s = st.sufficient_statistics(ratings, valid, 2)
    c = st.coefficients(s)
    c["alpha"] = st.alpha_complete(s)
    se = gwet_se(ratings, valid, 2, c)
    assert math.isnan(se["fleiss_kappa"][0]) and math.isnan(se["conger_kappa"][0])
    assert se["pabak"][0] == 0.0 and se["ac1"][0] == 0.0
