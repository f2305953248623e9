"""Coding suggestions that learn from one coder, shown per code only where they earned trust.

:func:`train_suggester` learns, for every code of the codebook, from the posts one coder (one
pass) has coded: a logistic regression on the features of a :class:`FeatureStep` (default:
word and character n-gram TF-IDF of the text plus the role, is-reply and attachments of the
post). It then measures, by k-fold cross-validation, how far the model agrees with that coder
on posts it did not see (kappa with CI, AC1, precision, recall, F1; see
:mod:`chatcode.coding.suggest_eval`), and switches suggestions on for a code only when the
lower bound of the held-out kappa's 95% CI clears ``min_kappa`` (the *gate*).

A suggestion is never a decision: :meth:`Suggester.suggest` returns proposals; the coding
sheet shows them in a separate locked column and the terminal coder as a highlighted proposal
that the coder accepts with one key (recorded in the coding store as ``accepted``).

Notes
-----
- *Multiple-choice dimensions*: one binary logistic regression per code; the model proposes
  the code when its probability is at least 0.5.
- *Single-choice dimensions*: one binary logistic regression per code (and one for "no
  code" when the coder used it), one-vs-rest, the probabilities scaled to sum to 1; the
  model proposes the most probable code.
- A code the coder never (or always) used gets a constant model; its kappa is undefined and
  its gate stays closed.
- The classifier is scikit-learn's ``LogisticRegression(C=4, solver="liblinear",
  class_weight="balanced")`` (the dual problem when there are more features than posts).
  Balanced class weights keep rare codes from being never proposed: on the evaluation
  corpus (data/evaluation/) they raised the mean held-out kappa from 0.70 to 0.83; C and the
  weights were chosen there among six settings, so its figures are slightly optimistic.
- Above 20,000 coded posts liblinear's time grows too fast; the same model (logistic loss,
  L2, balanced weights) is then fit by averaged stochastic gradient descent
  (``SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=5, average=True)``), which is linear
  in the number of posts. On small sets SGD agrees less with the coder (mean kappa 0.73 vs
  0.83 on the evaluation corpus), which is why it is not used there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chatcode.codebook import Codebook
from chatcode.coding.suggest_features import FeatureStep, TfidfFeatures
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import CodingError

__all__ = ["DEFAULT_MIN_KAPPA", "PROBABILITY", "SUGGESTED", "Suggester", "describe_gate",
           "label_matrix", "labels_of", "train_for_coding", "train_suggester"]

DEFAULT_MIN_KAPPA = 0.8
PROBABILITY = "probability"
SUGGESTED = "suggested"
GATE_OPEN = "gate_open"
C_BINARY = 4.0
LARGE = 20_000     # more coded posts than this: stochastic gradient descent (linear time)
SGD_ALPHA = 1e-5
SGD_EPOCHS = 5
NO_CODE = ""  # the class "no code" of a single-choice dimension


def labels_of(codebook: Codebook) -> list[tuple[str, str, bool]]:
    """``(dimension, code, multiple)`` for every code, in codebook order."""
    return [(d.id, c.id, bool(d.multiple)) for d in codebook.dimensions for c in d.codes]


def _pick(codes: pd.DataFrame, coder: str | None, pass_: str | None) -> tuple[str, str]:
    pairs = codes[[S.CODER, S.PASS]].drop_duplicates()
    if coder is not None:
        pairs = pairs[pairs[S.CODER].eq(coder)]
    if pass_ is not None:
        pairs = pairs[pairs[S.PASS].eq(pass_)]
    if len(pairs) == 1:
        return str(pairs.iloc[0, 0]), str(pairs.iloc[0, 1])
    have = codes[[S.CODER, S.PASS]].drop_duplicates()
    listing = ", ".join(f"{c}/{p}" for c, p in have.itertuples(index=False)) or "(none)"
    what = "no" if pairs.empty else "several"
    raise CodingError(f"{what} coding pass(es) match coder {coder or '(any)'} and pass "
                      f"{pass_ or '(any)'}; the codes hold {listing}",
                      hint="name one coder and pass to learn from (--coder NAME --pass PASS)")


def label_matrix(posts: pd.DataFrame, codes: pd.DataFrame, codebook: Codebook, *,
                 coder: str | None = None, pass_: str | None = None,
                 ) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """The posts one coder/pass coded, and their codes as a 0/1 matrix.

    Returns ``(coded_posts, Y, coder, pass)``: ``Y`` has one row per coded post (same order as
    ``coded_posts``) and one column ``dimension:code`` per code of the codebook. A post counts
    as coded when it has rows for every dimension. Raises :class:`CodingError` when the codes
    hold several coders or passes and none is named, or when a coded post is not in ``posts``.
    """
    coder, pass_ = _pick(codes, coder, pass_)
    mine = codes[codes[S.CODER].eq(coder) & codes[S.PASS].eq(pass_)]
    wide = mine.pivot_table(index=S.POST_ID, columns=[S.DIMENSION, S.CODE], values=S.VALUE,
                            aggfunc="max")
    cols = [(d, c) for d, c, _ in labels_of(codebook)]
    wide = wide.reindex(columns=pd.MultiIndex.from_tuples(cols))
    dims = [d.id for d in codebook.dimensions]
    complete = np.ones(len(wide), dtype=bool)
    for d in dims:
        complete &= wide[d].notna().all(axis=1).to_numpy()
    wide = wide[complete]
    known = posts.set_index(S.POST_ID, drop=False)
    missing = wide.index.difference(known.index)
    if len(missing):
        raise CodingError(f"{len(missing)} coded post(s) are not in the corpus (e.g. "
                          f"{', '.join(map(str, missing[:3]))})",
                          hint="give the corpus the codes were made from")
    coded = known.loc[wide.index].reset_index(drop=True)
    Y = pd.DataFrame(wide.to_numpy(dtype=np.int8), columns=[f"{d}:{c}" for d, c in cols])
    return coded, Y, coder, pass_


# --- models ----------------------------------------------------------------------------------

class _Constant:
    def __init__(self, value: float) -> None:
        self.value = value

    def proba(self, X) -> np.ndarray:
        return np.full(X.shape[0], self.value)


class _Binary:
    """One code of a multiple-choice dimension: P(code applies)."""

    def __init__(self, X, y: np.ndarray) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression, SGDClassifier

        if X.shape[0] > LARGE:
            self.model = SGDClassifier(loss="log_loss", alpha=SGD_ALPHA, max_iter=SGD_EPOCHS,
                                       tol=None, class_weight="balanced", average=True,
                                       random_state=0).fit(X, y)
            return
        dual = X.shape[0] < X.shape[1]  # liblinear's advice: the dual when features > posts
        with warnings.catch_warnings():
            # the last digits of liblinear's optimum do not change any proposal
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model = LogisticRegression(C=C_BINARY, solver="liblinear", dual=dual,
                                            class_weight="balanced", max_iter=1000).fit(X, y)

    def proba(self, X) -> np.ndarray:
        return self.model.predict_proba(X)[:, 1]


class _Single:
    """A single-choice dimension: P(code) for each of its codes.

    One binary model per class (each code the coder used, and "no code" when used),
    one-vs-rest; the class probabilities are then scaled to sum to 1."""

    def __init__(self, X, Y: np.ndarray) -> None:
        self.n_codes = Y.shape[1]
        y = np.where(Y.any(axis=1), Y.argmax(axis=1), -1)  # -1: no code
        self.classes = np.unique(y)
        self.models = [_Binary(X, (y == cls).astype(np.int8)) for cls in self.classes] \
            if len(self.classes) > 1 else []

    def proba(self, X) -> np.ndarray:
        out = np.zeros((X.shape[0], self.n_codes))
        if not self.models:
            if self.classes[0] >= 0:
                out[:, self.classes[0]] = 1.0
            return out
        p = np.column_stack([m.proba(X) for m in self.models])
        p /= np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
        for j, cls in enumerate(self.classes):
            if cls >= 0:
                out[:, cls] = p[:, j]
        return out


def fit_models(X, Y: np.ndarray, layout: list[tuple[str, str, bool]]) -> list:
    """One model per code (multiple-choice) or per single-choice dimension."""
    models: list = []
    j = 0
    while j < len(layout):
        dim, _, multiple = layout[j]
        if multiple:
            y = Y[:, j]
            models.append(_Binary(X, y) if 0 < y.sum() < len(y) else _Constant(float(
                y.mean()) if len(y) else 0.0))
            j += 1
        else:
            k = j
            while k < len(layout) and layout[k][0] == dim:
                k += 1
            models.append(_Single(X, Y[:, j:k]))
            j = k
    return models


def predict_proba(models: list, X, n_labels: int) -> np.ndarray:
    """``(n_posts, n_labels)`` probabilities in label order."""
    cols = [m.proba(X) for m in models]
    return np.column_stack([c if c.ndim == 2 else c[:, None] for c in cols]).reshape(
        -1, n_labels)


def decide(P: np.ndarray, layout: list[tuple[str, str, bool]]) -> np.ndarray:
    """The model's 0/1 codes: p >= 0.5 (multiple-choice), the most probable code (single
    choice, when it beats "no code", i.e. its probability is the largest and above the rest)."""
    out = (P >= 0.5).astype(np.int8)
    j = 0
    while j < len(layout):
        dim, _, multiple = layout[j]
        if multiple:
            j += 1
            continue
        k = j
        while k < len(layout) and layout[k][0] == dim:
            k += 1
        block = P[:, j:k]
        best = block.argmax(axis=1)
        none = 1.0 - block.sum(axis=1)  # the probability of "no code"
        hot = np.zeros_like(block, dtype=np.int8)
        rows = np.flatnonzero(block.max(axis=1) > none)
        hot[rows, best[rows]] = 1
        out[:, j:k] = hot
        j = k
    return out


# --- the suggester ---------------------------------------------------------------------------

@dataclass
class Suggester:
    """Models for every code, trained on one coder/pass, with their held-out evaluation.

    ``evaluation`` is the table of :func:`chatcode.coding.suggest_eval.cross_validate` (one
    row per code); ``gate`` maps ``dimension:code`` to True when suggestions for the code are
    switched on. Use :meth:`suggest` for proposals and :meth:`order` for the active-learning
    order of uncoded posts.
    """

    codebook: Codebook
    coder: str
    pass_: str
    features: FeatureStep
    models: list
    layout: list[tuple[str, str, bool]]
    n_posts: int
    prevalence: np.ndarray
    min_kappa: float = DEFAULT_MIN_KAPPA
    evaluation: pd.DataFrame | None = None
    gate: dict[str, bool] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [f"{d}:{c}" for d, c, _ in self.layout]

    def probabilities(self, posts: pd.DataFrame) -> pd.DataFrame:
        """P(code) for every post (rows: ``post_id``) and code (columns ``dimension:code``)."""
        if posts.empty:
            return pd.DataFrame(columns=self.labels, index=pd.Index([], name=S.POST_ID))
        X = self.features.transform(posts)
        P = predict_proba(self.models, X, len(self.layout))
        return pd.DataFrame(P, columns=self.labels,
                            index=pd.Index(posts[S.POST_ID].astype(str), name=S.POST_ID))

    def suggest(self, posts: pd.DataFrame) -> pd.DataFrame:
        """Proposals for ``posts``: one row per post x code with ``probability``,
        ``gate_open`` (the code's held-out kappa cleared the bar) and ``suggested`` (the
        model proposes the code *and* its gate is open). Never a decision: nothing here is
        written to a codes table."""
        P = self.probabilities(posts)
        D = decide(P.to_numpy(), self.layout) if len(P) else np.zeros((0, len(self.layout)))
        gate = np.array([self.gate.get(lab, False) for lab in self.labels])
        n = len(P)
        return pd.DataFrame({
            S.POST_ID: np.repeat(P.index.to_numpy(), len(self.layout)),
            S.DIMENSION: np.tile([d for d, _, _ in self.layout], n),
            S.CODE: np.tile([c for _, c, _ in self.layout], n),
            PROBABILITY: P.to_numpy().ravel(),
            GATE_OPEN: np.tile(gate, n),
            SUGGESTED: (D.astype(bool) & gate[None, :]).ravel(),
        })

    def order(self, posts: pd.DataFrame) -> pd.DataFrame:
        """The posts in active-learning order
        (:func:`chatcode.coding.suggest_order.order_uncertain`)."""
        from chatcode.coding.suggest_order import order_uncertain

        return order_uncertain(self.probabilities(posts), self.prevalence)

    def gated_codes(self) -> list[str]:
        """The codes whose suggestions are switched on."""
        return [lab for lab in self.labels if self.gate.get(lab, False)]


def _posts_of(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    return corpus.posts if isinstance(corpus, Corpus) else corpus


def train_suggester(
    corpus: Corpus | pd.DataFrame,
    codes: pd.DataFrame,
    codebook: Codebook,
    *,
    coder: str | None = None,
    pass_: str | None = None,
    features: Callable[[], FeatureStep] = TfidfFeatures,
    min_kappa: float = DEFAULT_MIN_KAPPA,
    folds: int = 5,
    seed: int = 0,
    groups: str | None = None,
) -> Suggester:
    """Learn suggestions from the posts one coder/pass coded, and open the gate per code.

    ``features`` makes a fresh feature step (default :class:`TfidfFeatures`; see
    :mod:`chatcode.coding.suggest_features`). ``folds`` > 1 runs k-fold cross-validation and
    opens the gate of every code whose held-out kappa's lower 95% CI bound is at least
    ``min_kappa``; ``folds=0`` skips the evaluation and leaves every gate closed. ``groups``
    keeps the posts with the same value of that column in one fold (``"thread"``: threads).

    Raises :class:`CodingError` with fewer than 20 coded posts (too few to learn or measure).
    """
    posts = _posts_of(corpus)
    coded, Y, coder, pass_ = label_matrix(posts, codes, codebook, coder=coder, pass_=pass_)
    if len(coded) < 20:
        raise CodingError(f"coder {coder}, pass {pass_} has coded {len(coded)} post(s); "
                          "suggestions need at least 20 coded posts",
                          hint="code more posts first (suggestions usually need a few "
                          "hundred before any code clears the bar)")
    if not 0 <= min_kappa <= 1:
        raise CodingError(f"min_kappa must be between 0 and 1, got {min_kappa}",
                          hint="the default is 0.8")
    layout = labels_of(codebook)
    step = features()
    X = step.fit_transform(coded)
    Yv = Y.to_numpy()
    suggester = Suggester(codebook, coder, pass_, step, fit_models(X, Yv, layout), layout,
                          len(coded), Yv.mean(axis=0), min_kappa)
    if folds:
        from chatcode.coding.suggest_eval import cross_validate, gate_of

        suggester.evaluation = cross_validate(coded, Y, codebook, features=features,
                                              folds=folds, seed=seed, groups=groups)
        suggester.gate = gate_of(suggester.evaluation, min_kappa)
    return suggester


def train_for_coding(corpus: Corpus | pd.DataFrame, codes: pd.DataFrame, codebook: Codebook,
                     *, coder: str, pass_: str, min_kappa: float = DEFAULT_MIN_KAPPA,
                     ) -> Suggester:
    """The suggester a coding session uses: learnt from ``coder``/``pass_`` when ``codes``
    hold that pass (e.g. the store being continued), else from the one pass they hold."""
    pairs = set(zip(codes[S.CODER].astype(str), codes[S.PASS].astype(str), strict=True))
    mine = (coder, pass_) in pairs
    return train_suggester(corpus, codes, codebook, coder=coder if mine else None,
                           pass_=pass_ if mine else None, min_kappa=min_kappa)


def describe_gate(suggester: Suggester) -> str:
    """One line: which codes' suggestions are switched on."""
    on = suggester.gated_codes()
    head = (f"suggestions learnt from {suggester.coder}/{suggester.pass_} "
            f"({suggester.n_posts} coded posts): ")
    if not on:
        return head + (f"no code clears held-out kappa {suggester.min_kappa:g} (lower CI "
                       "bound); nothing will be suggested")
    return head + (f"on for {len(on)} of {len(suggester.labels)} codes (held-out kappa CI "
                   f"low >= {suggester.min_kappa:g}): {', '.join(on)}")
