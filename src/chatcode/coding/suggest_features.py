"""The feature step of coding suggestions: posts -> a numeric matrix a classifier can learn from.

A feature step is any object with ``fit_transform(posts)`` and ``transform(posts)`` (the
:class:`FeatureStep` protocol); ``posts`` is a canonical posts table (docs/schema.md), the
result a NumPy array or a SciPy sparse matrix with one row per post. Two steps ship:

- :class:`TfidfFeatures` (the default): word 1-2-gram and character 2-4-gram TF-IDF of the
  post text, plus the thread features;
- :class:`EmbeddingFeatures`: the vectors of a sentence-embedding model the user already has
  on disk, plus the thread features. chatcode never downloads a model: give it a function
  that turns texts into vectors (:meth:`EmbeddingFeatures.from_sentence_transformers` loads a
  local folder with ``sentence-transformers``, if that is installed, with downloads off).

The thread features (:func:`thread_features`) are the role of the author (one column per
role), whether the post replies to another, whether it has attachments, and the log of its
length in characters.

Notes
-----
Texts are lower-cased; the character n-grams (``char_wb``: inside word boundaries) make the
features robust to typos, dialect spellings and German compounds, and emojis count as
characters. TF-IDF uses sublinear term frequency and L2-normalised rows. A feature step is fit
on the training posts only: in cross-validation a new one is fit in every fold, so no word
statistics of the held-out posts leak into training.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import sparse

from chatcode.corpus import schema as S
from chatcode.errors import CodingError

__all__ = ["EmbeddingFeatures", "FeatureStep", "TfidfFeatures", "thread_features"]


@runtime_checkable
class FeatureStep(Protocol):
    """Turns a posts table into a feature matrix (one row per post)."""

    def fit_transform(self, posts: pd.DataFrame): ...

    def transform(self, posts: pd.DataFrame): ...


def _texts(posts: pd.DataFrame) -> list[str]:
    return posts[S.TEXT].fillna("").astype(str).tolist()


def thread_features(posts: pd.DataFrame) -> np.ndarray:
    """Role (one 0/1 column per role of ``schema.ROLES``), is a reply, has attachments,
    ``log1p(characters) / 10``: a dense ``(n_posts, len(ROLES) + 3)`` array."""
    n = len(posts)
    roles = posts[S.ROLE].astype(str).to_numpy() if S.ROLE in posts.columns else \
        np.full(n, S.DEFAULT_ROLE)
    out = np.zeros((n, len(S.ROLES) + 3))
    for j, role in enumerate(S.ROLES):
        out[:, j] = roles == role
    if S.PARENT_ID in posts.columns:
        parent = posts[S.PARENT_ID]
        out[:, len(S.ROLES)] = parent.notna() & parent.astype(str).str.len().gt(0)
    if S.ATTACHMENTS in posts.columns:
        out[:, len(S.ROLES) + 1] = pd.to_numeric(posts[S.ATTACHMENTS], errors="coerce") \
            .fillna(0).to_numpy() > 0
    lengths = np.array([len(t) for t in _texts(posts)], dtype=float)
    out[:, len(S.ROLES) + 2] = np.log1p(lengths) / 10
    return out


class TfidfFeatures:
    """Word and character n-gram TF-IDF of the text, plus :func:`thread_features`.

    ``max_features`` caps each vocabulary (the most frequent n-grams are kept), which bounds
    memory and time on large corpora; ``thread_weight`` scales the thread columns.
    """

    def __init__(self, *, word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] = (2, 4), max_features: int = 200_000,
                 thread_weight: float = 1.0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.thread_weight = thread_weight
        self.word = TfidfVectorizer(lowercase=True, ngram_range=word_ngrams,
                                    sublinear_tf=True, max_features=max_features,
                                    token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        self.char = TfidfVectorizer(lowercase=True, analyzer="char_wb",
                                    ngram_range=char_ngrams, sublinear_tf=True,
                                    max_features=max_features, dtype=np.float32)

    def _thread(self, posts: pd.DataFrame) -> sparse.csr_matrix:
        return sparse.csr_matrix(thread_features(posts) * self.thread_weight,
                                 dtype=np.float32)

    def fit_transform(self, posts: pd.DataFrame) -> sparse.csr_matrix:
        texts = _texts(posts)
        return sparse.hstack([self.word.fit_transform(texts), self.char.fit_transform(texts),
                              self._thread(posts)], format="csr")

    def transform(self, posts: pd.DataFrame) -> sparse.csr_matrix:
        texts = _texts(posts)
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts),
                              self._thread(posts)], format="csr")


class EmbeddingFeatures:
    """Sentence embeddings from a model on this machine, plus :func:`thread_features`.

    ``encode`` takes a list of texts and returns an ``(n_texts, dim)`` array, e.g.
    ``SentenceTransformer("/models/paraphrase-multilingual-MiniLM-L12-v2").encode``. The
    embedding model is not trained; only the classifier on top of it is.
    """

    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray]) -> None:
        if not callable(encode):
            raise CodingError("EmbeddingFeatures needs a function that turns texts into "
                              "vectors", hint="pass e.g. model.encode of a local "
                              "SentenceTransformer")
        self.encode = encode

    @classmethod
    def from_sentence_transformers(cls, path: str | Path) -> EmbeddingFeatures:
        """Load a sentence-transformers model from a local folder (never downloads)."""
        import os

        path = Path(path)
        if not path.is_dir():
            raise CodingError(f"no model folder at {path}", hint="give the folder of a "
                              "sentence-transformers model saved on this machine "
                              "(model.save(folder)); chatcode downloads nothing")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise CodingError("sentence-transformers is not installed",
                              hint="pip install sentence-transformers, or use the default "
                              "TF-IDF features") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return cls(model.encode)

    def _embed(self, posts: pd.DataFrame) -> np.ndarray:
        vectors = np.asarray(self.encode(_texts(posts)), dtype=float)
        if vectors.ndim != 2 or vectors.shape[0] != len(posts):
            raise CodingError(f"the embedding function returned shape {vectors.shape} for "
                              f"{len(posts)} texts", hint="it must return one vector per text")
        return np.hstack([vectors, thread_features(posts)])

    def fit_transform(self, posts: pd.DataFrame) -> np.ndarray:
        return self._embed(posts)

    def transform(self, posts: pd.DataFrame) -> np.ndarray:
        return self._embed(posts)
