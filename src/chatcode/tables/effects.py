"""The effect-size columns of a with/without table in the journal layout (``--effect-size``).

``r = 0.24 [0.10, 0.37]`` (rank-biserial r, Mann-Whitney), ``g = 0.31 [0.05, 0.57]``
(Hedges' g, t-tests) or the rate ratio (negative binomial; its column already exists), and
the 95% CI of each mean, ``[0.41, 0.67]``. Formulas: docs/tables.md.
"""

from __future__ import annotations

import math

import pandas as pd

from chatcode.corpus import schema as S

__all__ = ["EFFECT_NOTE", "effect_cells"]

_SYMBOL = {"rank_biserial": "r", "hedges_g": "g", "rate_ratio": "IRR"}
EFFECT_NOTE = {
    "rank_biserial": "Effect size: rank-biserial r = 2U/(n1 n0) - 1 (Kerby 2014) with a 95% "
                     "CI from DeLong's SE on Fisher's z scale",
    "hedges_g": "Effect size: Hedges' g (pooled SD, small-sample correction J) with a 95% "
                "CI after Hedges & Olkin (1985)",
    "rate_ratio": "Effect size: incidence-rate ratio with its 95% CI",
}


def _num(value: object, digits: int = 2) -> str:
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    return f"{float(value):.{digits}f}"


def _interval(low: object, high: object) -> str:
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return "n/a"
    return f"[{_num(low)}, {_num(high)}]"


def effect_cells(data: pd.DataFrame) -> pd.DataFrame:
    """The columns ``With: 95% CI``, ``Without: 95% CI`` and the effect with its CI."""
    out = pd.DataFrame(index=data.index)
    out["With: 95% CI"] = [_interval(lo, hi) for lo, hi in zip(
        data[S.MEAN_WITH_CI_LOW], data[S.MEAN_WITH_CI_HIGH], strict=True)]
    out["Without: 95% CI"] = [_interval(lo, hi) for lo, hi in zip(
        data[S.MEAN_WITHOUT_CI_LOW], data[S.MEAN_WITHOUT_CI_HIGH], strict=True)]
    measure = str(data[S.EFFECT_MEASURE].iat[0]) if len(data) else "rank_biserial"
    if measure != "rate_ratio":
        symbol = _SYMBOL.get(measure, "effect")
        out[f"{symbol} (95% CI)"] = [
            f"{_num(e)} {_interval(lo, hi)}" if math.isfinite(float(e)) else "n/a"
            for e, lo, hi in zip(data[S.EFFECT_SIZE], data[S.EFFECT_CI_LOW],
                                 data[S.EFFECT_CI_HIGH], strict=True)]
    return out
