"""The negative-binomial GEE with covariates and exposure (chatcode.engagement.count_model),
checked against statsmodels' GEE and NB2 maximum likelihood fitted here directly (Liang &
Zeger 1986, Biometrika 73:13-22) and against the algebra of a log-link offset."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from chatcode.engagement.count_model import count_model
from chatcode.errors import TablesError

FORMULA = "responses ~ code + C(role) + week"


def _frame(authors: int = 30, n: int = 500, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, authors, n)
    x = rng.random(n) < 0.3
    role = np.where(a < 3, "moderator", "participant")
    mu = np.exp(-0.2 + 0.5 * x + 0.2 * (role == "moderator") + rng.normal(0, .3, authors)[a])
    return pd.DataFrame({"responses": rng.negative_binomial(2, 2 / (2 + mu)),
                         "code": x.astype(int), "role": role, "author": a.astype(str),
                         "week": rng.integers(1, 20, n), "members": 8 + a % 3})


def test_count_model_against_statsmodels_gee_and_nb2():
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    f = _frame()
    got = count_model(f, FORMULA, exposure="members")
    data = f.sort_values("author", kind="stable").reset_index(drop=True)
    off = np.log(data["members"].to_numpy(float))
    alpha = smf.negativebinomial(FORMULA, data, offset=off).fit(disp=0, maxiter=200)
    assert got.attrs["alpha"] == pytest.approx(alpha.params["alpha"], rel=1e-5)
    ref = smf.gee(FORMULA, groups=pd.factorize(data["author"])[0], data=data, offset=off,
                  family=sm.families.NegativeBinomial(alpha=float(alpha.params["alpha"])),
                  cov_struct=sm.cov_struct.Exchangeable()).fit()
    row = got.set_index("term").loc["code"]
    assert row["estimate"] == pytest.approx(ref.params["code"], rel=1e-4)
    assert row["se"] == pytest.approx(ref.bse["code"], rel=1e-4)
    assert row["rate_ratio"] == pytest.approx(math.exp(ref.params["code"]), rel=1e-4)
    assert got.attrs["reference"] == "normal" and got.attrs["n_clusters"] == 30


def test_exposure_is_an_offset_on_the_log_scale():
    """Doubling every post's exposure lowers the intercept by log 2 and changes nothing
    else (log link: log mu = log exposure + X b)."""
    f = _frame()
    one = count_model(f, FORMULA, exposure="members").set_index("term")
    two = count_model(f.assign(members=2 * f["members"]), FORMULA,
                      exposure="members").set_index("term")
    assert two.loc["Intercept", "estimate"] == pytest.approx(
        one.loc["Intercept", "estimate"] - math.log(2), abs=1e-6)
    assert two.loc["code", "estimate"] == pytest.approx(one.loc["code", "estimate"], abs=1e-6)


def test_few_clusters_use_t_with_g_minus_1_df():
    got = count_model(_frame(authors=8), FORMULA, alpha=0.5)
    row = got.set_index("term").loc["code"]
    assert got.attrs["reference"] == "t with 7 df"
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(row["statistic"]), 7))
    assert "only 8 clusters" in got.attrs["note"]


def test_count_model_errors_name_the_problem():
    f = _frame()
    with pytest.raises(TablesError, match=re.escape("the model frame has no column 'members2'")):
        count_model(f, FORMULA, exposure="members2")
    with pytest.raises(TablesError, match=re.escape("must be a positive number")):
        count_model(f.assign(members=0), FORMULA, exposure="members")
    with pytest.raises(TablesError, match=re.escape("cannot fit the count model")):
        count_model(f, "responses ~ nothing_here")
