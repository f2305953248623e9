"""How far coding suggestions agree with the human coder on posts they did not see.

- :func:`agreement_table`: model vs human per code: n, how often each said "applies",
  Cohen's kappa with its 95% CI, Gwet's AC1, percent agreement, precision, recall, F1
  (the human is the reference). The coefficients are those of :mod:`chatcode.reliability`.
- :func:`cross_validate`: k-fold cross-validation of the suggestion models, and of the
  keyword baseline (a code applies when one of its codebook ``keywords`` occurs in the text).
- :func:`learning_curve`: the held-out agreement after training on n coded posts, for
  growing n, and :func:`posts_needed`: the smallest n where a code clears the bar.
- :func:`gate_of`: which codes' suggestions are switched on.
- :func:`curve_figure`: the learning curve as a matplotlib figure.
- :func:`evaluate`: all of it for one coder/pass (what ``chatcode suggest --evaluate`` shows).

Notes
-----
*The gate* uses the lower bound of the asymptotic 95% CI of kappa (Fleiss, Cohen & Everitt
1969), not the point estimate: with few coded posts or a rare code the CI is wide, and a code
whose kappa is 0.82 on 40 posts has not shown that it clears 0.8. Requiring the lower bound
is the conservative reading of "kappa > 0.8", the bar the DiabPeerS paper (PMID 39834648) set
for human coders. A code with an undefined kappa (no variation) never passes, nor does a
code the coder used in fewer than 10 posts (:data:`MIN_POSITIVES`): there the asymptotic CI
says little (perfect agreement on 9 posts has a standard error of 0).

*Cross-validation* splits the coded posts into ``folds`` parts (``KFold``, shuffled with
``seed``); for each part, a fresh feature step and fresh models are trained on the other parts
and predict it. Every coded post is predicted once, by a model that never saw it, and the
agreement is computed over all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chatcode.codebook import Codebook
from chatcode.coding.suggest import decide, fit_models, labels_of, predict_proba
from chatcode.coding.suggest_features import FeatureStep, TfidfFeatures
from chatcode.corpus import schema as S
from chatcode.errors import CodingError
from chatcode.reliability import coefficients as st

__all__ = ["AGREEMENT_COLUMNS", "Evaluation", "agreement_table", "cross_validate",
           "curve_figure", "evaluate", "gate_of", "keyword_predictions", "learning_curve",
           "posts_needed"]

Z95 = 1.959963984540054
MIN_POSITIVES = 10  # fewer posts with the code: the asymptotic CI says too little
THREAD = "thread"  # groups=THREAD: keep each thread (first post and its replies) in one fold
AGREEMENT_COLUMNS = ("dimension", "code", "n", "human_yes", "model_yes", "kappa",
                     "kappa_ci_low", "kappa_ci_high", "ac1", "percent_agreement",
                     "precision", "recall", "f1")


def agreement_table(human: np.ndarray, model: np.ndarray,
                    layout: list[tuple[str, str, bool]]) -> pd.DataFrame:
    """Agreement of ``model`` with ``human`` (both ``(n_posts, n_codes)`` 0/1) per code.

    The CI of kappa is ``kappa ± 1.96 SE`` (asymptotic SE, :func:`cohen_kappa_se`), cut to
    [-1, 1]."""
    human = np.asarray(human, dtype=np.int64)
    model = np.asarray(model, dtype=np.int64)
    ratings = np.stack([human.T, model.T], axis=1)          # (V, 2, n)
    valid = np.ones((ratings.shape[0], ratings.shape[2]), dtype=bool)
    c = st.coefficients(st.sufficient_statistics(ratings, valid, 2))
    tables = st.contingency_tables(ratings, valid, 2)       # human in rows
    se = st.cohen_kappa_se(tables)
    tp = tables[:, 1, 1].astype(float)
    fp, fn = tables[:, 0, 1].astype(float), tables[:, 1, 0].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    return pd.DataFrame({
        "dimension": [d for d, _, _ in layout], "code": [k for _, k, _ in layout],
        "n": c["n"], "human_yes": human.sum(axis=0), "model_yes": model.sum(axis=0),
        "kappa": c["kappa"], "kappa_ci_low": np.clip(c["kappa"] - Z95 * se, -1, 1),
        "kappa_ci_high": np.clip(c["kappa"] + Z95 * se, -1, 1), "ac1": c["ac1"],
        "percent_agreement": c["percent_agreement"], "precision": precision,
        "recall": recall, "f1": f1})


def _clears(table: pd.DataFrame, min_kappa: float) -> np.ndarray:
    low = np.nan_to_num(table["kappa_ci_low"].to_numpy(dtype=float), nan=-np.inf)
    yes = table["human_yes"].to_numpy() if "human_yes" in table else np.full(len(low), np.inf)
    return (low >= min_kappa) & (yes >= MIN_POSITIVES)


def gate_of(table: pd.DataFrame, min_kappa: float) -> dict[str, bool]:
    """``dimension:code`` -> True when the held-out kappa's lower CI bound >= ``min_kappa``
    and the coder used the code in at least :data:`MIN_POSITIVES` posts."""
    ok = _clears(table, min_kappa)
    return {f"{d}:{c}": bool(g) for d, c, g in zip(table["dimension"], table["code"], ok,
                                                  strict=True)}


def _keyword_pattern(words: list[str]) -> re.Pattern | None:
    words = [w.strip().lower() for w in words if w and w.strip()]
    if not words:
        return None
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


def keyword_predictions(posts: pd.DataFrame, codebook: Codebook) -> np.ndarray:
    """The keyword baseline: 1 when one of a code's keywords (any language) starts a word
    of the text (so ``Sport`` matches ``Sportverein``). A single-choice dimension takes its
    first code (in codebook order) whose keywords match."""
    texts = posts[S.TEXT].fillna("").astype(str).tolist()
    layout = labels_of(codebook)
    out = np.zeros((len(texts), len(layout)), dtype=np.int8)
    j = 0
    for d in codebook.dimensions:
        for code in d.codes:
            pattern = _keyword_pattern([w for _, ws in code.keywords for w in ws])
            if pattern is not None:
                out[:, j] = [bool(pattern.search(t)) for t in texts]
            j += 1
        if not d.multiple:
            block = out[:, j - len(d.codes):j]
            first = block.argmax(axis=1)
            hot = np.zeros_like(block)
            rows = np.flatnonzero(block.any(axis=1))
            hot[rows, first[rows]] = 1
            out[:, j - len(d.codes):j] = hot
    return out


def _folds(posts: pd.DataFrame, folds: int, seed: int,
           groups: str | None) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold, KFold

    n = len(posts)
    if groups is None:
        k = max(2, min(folds, n))
        return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.arange(n)))
    if groups != THREAD and groups not in posts.columns:
        raise CodingError(f"the corpus has no column {groups!r} to keep together in "
                          "cross-validation", hint="give a column of the posts table, e.g. "
                          "thread (the thread's first post) or a src_ column")
    labels = _group_labels(posts, groups)
    k = max(2, min(folds, len(set(labels))))
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.arange(n), groups=labels))


def _group_labels(posts: pd.DataFrame, column: str) -> np.ndarray:
    if column == THREAD:
        root = posts[S.PARENT_ID].where(posts[S.PARENT_ID].notna() & posts[S.PARENT_ID]
                                        .astype(str).ne(""), posts[S.POST_ID])
        return root.astype(str).to_numpy()
    return posts[column].astype(str).fillna("").to_numpy()


def _fit_predict(train: pd.DataFrame, Y: np.ndarray, test: pd.DataFrame,
                 layout, features: Callable[[], FeatureStep]) -> np.ndarray:
    step = features()
    X = step.fit_transform(train)
    return predict_proba(fit_models(X, Y, layout), step.transform(test), len(layout))


def cross_validate(posts: pd.DataFrame, Y: pd.DataFrame, codebook: Codebook, *,
                   features: Callable[[], FeatureStep] = TfidfFeatures, folds: int = 5,
                   seed: int = 0, groups: str | None = None) -> pd.DataFrame:
    """Held-out agreement of the suggestion models (and the keyword baseline) per code.

    ``posts`` are the coded posts and ``Y`` their 0/1 codes (:func:`label_matrix`).
    ``groups`` names a column of ``posts`` whose values stay together in one fold (``thread``:
    a thread's first post and its replies), so near-copies never sit on both sides. The
    table has :data:`AGREEMENT_COLUMNS` plus ``keyword_kappa`` and ``keyword_f1``.
    """
    layout = labels_of(codebook)
    Yv = Y.to_numpy()
    P = np.zeros(Yv.shape)
    for train, test in _folds(posts, folds, seed, groups):
        P[test] = _fit_predict(posts.iloc[train], Yv[train], posts.iloc[test], layout,
                               features)
    table = agreement_table(Yv, decide(P, layout), layout)
    kw = agreement_table(Yv, keyword_predictions(posts, codebook), layout)
    table["keyword_kappa"] = kw["kappa"].to_numpy()
    table["keyword_f1"] = kw["f1"].to_numpy()
    return table


def _sizes(max_train: int, sizes: list[int] | None) -> list[int]:
    if sizes is None:
        sizes = [25, 50, 100, 150, 200, 300, 400, 500, 700, 1000, 1500, 2000, 3000, 5000]
    out = sorted({s for s in sizes if 0 < s < max_train} | {max_train})
    return out


def learning_curve(posts: pd.DataFrame, Y: pd.DataFrame, codebook: Codebook, *,
                   features: Callable[[], FeatureStep] = TfidfFeatures, folds: int = 5,
                   seed: int = 0, sizes: list[int] | None = None,
                   groups: str | None = None) -> pd.DataFrame:
    """Held-out agreement per code after training on n coded posts, for growing n.

    In each of the ``folds`` splits the training posts are shuffled once (``seed``) and the
    models are trained on their first n; the held-out part is predicted. So every coded post
    is predicted at every n by a model that did not see it, and n grows as a coder's work
    grows (a random order of coding). ``groups`` as in :func:`cross_validate`. Long table:
    ``n_train`` plus :data:`AGREEMENT_COLUMNS`.
    """
    layout = labels_of(codebook)
    Yv = Y.to_numpy()
    splits = _folds(posts, folds, seed, groups)
    max_train = min(len(train) for train, _ in splits)
    grid = _sizes(max_train, sizes)
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(train) for train, _ in splits]
    frames = []
    for n in grid:
        P = np.zeros(Yv.shape)
        for order, (_, test) in zip(orders, splits, strict=True):
            use = order[:n]
            P[test] = _fit_predict(posts.iloc[use], Yv[use], posts.iloc[test], layout,
                                   features)
        table = agreement_table(Yv, decide(P, layout), layout)
        table.insert(0, "n_train", n)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def posts_needed(curve: pd.DataFrame, min_kappa: float) -> pd.DataFrame:
    """Per code: the smallest ``n_train`` of the curve from which on the lower CI bound of
    kappa stays at or above ``min_kappa`` (``NA``: not reached), and the kappa at the largest
    n."""
    rows = []
    for (dim, code), g in curve.groupby(["dimension", "code"], sort=False):
        g = g.sort_values("n_train")
        ok = _clears(g, min_kappa)
        # the first n after which every larger n also clears the bar
        tail = np.flatnonzero(~ok)
        first = 0 if len(tail) == 0 else tail[-1] + 1
        needed = int(g["n_train"].iloc[first]) if first < len(g) else pd.NA
        rows.append({"dimension": dim, "code": code, "posts_needed": needed,
                     "kappa_at_max": float(g["kappa"].iloc[-1]),
                     "n_train_max": int(g["n_train"].iloc[-1])})
    out = pd.DataFrame(rows)
    out["posts_needed"] = out["posts_needed"].astype("Int64")
    return out


def curve_figure(curve: pd.DataFrame, *, min_kappa: float, title: str = ""):
    """Held-out kappa vs number of coded posts, one line per code, the bar dashed."""
    from matplotlib.figure import Figure

    dims = list(dict.fromkeys(curve["dimension"]))
    fig = Figure(figsize=(4.2 * len(dims), 3.8), layout="constrained")
    axes = fig.subplots(1, len(dims), sharey=True, squeeze=False)[0]
    for ax, dim in zip(axes, dims, strict=True):
        part = curve[curve["dimension"].eq(dim)]
        for code, g in part.groupby("code", sort=False):
            ax.plot(g["n_train"], g["kappa"], marker="o", markersize=3, label=code)
        ax.axhline(min_kappa, color="black", linestyle="--", linewidth=1)
        ax.set_title(dim)
        ax.set_xlabel("coded posts used for training")
        ax.set_ylim(-0.1, 1.0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("held-out Cohen's kappa (model vs coder)")
    if title:
        fig.suptitle(title)
    return fig


@dataclass
class Evaluation:
    """The held-out evaluation of suggestions for one coder/pass (:func:`evaluate`).

    ``table``: one row per code, :data:`AGREEMENT_COLUMNS`, the keyword baseline
    (``keyword_kappa``, ``keyword_f1``), ``posts_needed`` (from the learning curve; NA: the
    bar was not reached) and ``gate_open``. ``curve``: the learning curve (long table).
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    coder: str
    pass_: str
    n_posts: int
    min_kappa: float
    folds: int
    groups: str | None

    def figure(self):
        """The learning curve as a matplotlib figure."""
        return curve_figure(self.curve, min_kappa=self.min_kappa,
                            title=f"Suggestions vs coder {self.coder}/{self.pass_}: held-out "
                            f"kappa ({self.folds}-fold"
                            + (f", grouped by {self.groups}" if self.groups else "") + ")")


def evaluate(corpus, codes: pd.DataFrame, codebook: Codebook, *, coder: str | None = None,
             pass_: str | None = None, features: Callable[[], FeatureStep] = TfidfFeatures,
             min_kappa: float = 0.8, folds: int = 5, seed: int = 0,
             groups: str | None = None, sizes: list[int] | None = None) -> Evaluation:
    """Cross-validated agreement per code, the learning curve, and the gate.

    ``corpus`` is a :class:`~chatcode.corpus.Corpus` or a posts table; the other options as
    in :func:`chatcode.coding.suggest.train_suggester` and :func:`learning_curve`.
    """
    from chatcode.coding.suggest import label_matrix

    posts = corpus.posts if hasattr(corpus, "posts") else corpus
    coded, Y, coder, pass_ = label_matrix(posts, codes, codebook, coder=coder, pass_=pass_)
    if len(coded) < 20:
        raise CodingError(f"coder {coder}, pass {pass_} has coded {len(coded)} post(s); the "
                          "evaluation needs at least 20", hint="code more posts first")
    table = cross_validate(coded, Y, codebook, features=features, folds=folds, seed=seed,
                           groups=groups)
    curve = learning_curve(coded, Y, codebook, features=features, folds=folds, seed=seed,
                           sizes=sizes, groups=groups)
    needed = posts_needed(curve, min_kappa)
    table["posts_needed"] = needed["posts_needed"].to_numpy()
    gate = gate_of(table, min_kappa)
    table["gate_open"] = [gate[f"{d}:{c}"] for d, c in zip(table["dimension"], table["code"],
                                                          strict=True)]
    return Evaluation(table, curve, coder, pass_, len(coded), min_kappa, folds, groups)
