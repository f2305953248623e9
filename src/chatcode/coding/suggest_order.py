"""Active learning: which uncoded post to code next, so the models learn fastest.

:func:`order_uncertain` orders posts by how unsure the models are about them, stratified by
code so that rare codes surface early: the codes take turns, rarest first (by their share in
the coded posts), and each turn places the not yet placed post that is most uncertain for that
code. The uncertainty of a post for a code is ``1 - |2p - 1|`` (1 at p = 0.5, 0 at p = 0 or
1); for a rare code, whose probabilities are low everywhere, the most uncertain posts are the
ones most likely to carry it, so every code gets candidate posts in the first rounds.

The order is deterministic (ties keep the order of the posts given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S

__all__ = ["ORDER_COLUMNS", "order_uncertain"]

RANK = "rank"
FOR_CODE = "for_code"
UNCERTAINTY = "uncertainty"
ORDER_COLUMNS = (RANK, S.POST_ID, FOR_CODE, "probability", UNCERTAINTY)


def order_uncertain(probabilities: pd.DataFrame, prevalence: np.ndarray) -> pd.DataFrame:
    """Posts in active-learning order.

    ``probabilities`` has one row per post (index: post id) and one column per code (the
    output of :meth:`Suggester.probabilities`); ``prevalence`` the share of coded posts that
    carry each code (same column order). Returns :data:`ORDER_COLUMNS`: ``rank`` (1 = code
    first), the post id, the code whose turn placed it, that code's probability and the
    post's uncertainty for it.
    """
    P = probabilities.to_numpy(dtype=float)
    n, v = P.shape
    if n == 0:
        return pd.DataFrame({c: [] for c in ORDER_COLUMNS})
    U = 1.0 - np.abs(2.0 * P - 1.0)
    turns = np.argsort(np.asarray(prevalence, dtype=float), kind="stable")  # rarest first
    ranked = [np.argsort(-U[:, j], kind="stable") for j in range(v)]
    pointer = np.zeros(v, dtype=np.int64)
    placed = np.zeros(n, dtype=bool)
    rows: list[tuple[int, int]] = []
    while len(rows) < n:
        for j in turns:
            order = ranked[j]
            k = pointer[j]
            while k < n and placed[order[k]]:
                k += 1
            pointer[j] = k
            if k == n:
                continue
            i = order[k]
            placed[i] = True
            rows.append((i, j))
            if len(rows) == n:
                break
    idx = np.array([i for i, _ in rows])
    code = np.array([j for _, j in rows])
    return pd.DataFrame({
        RANK: np.arange(1, n + 1),
        S.POST_ID: probabilities.index.to_numpy()[idx].astype(str),
        FOR_CODE: np.asarray(probabilities.columns)[code],
        "probability": P[idx, code],
        UNCERTAINTY: U[idx, code]})
