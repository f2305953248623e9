"""Benchmark: coding suggestions, their speed and their held-out agreement.

1. *Speed*: train the suggestion models on ``--posts`` coded posts with ``--codes`` codes (16
   binary codes of a multiple-choice dimension and a single-choice dimension of 4 codes for
   the default 20) and predict as many uncoded posts: features, training and prediction,
   without the cross-validation; then the usual case, 5,000 coded posts predicting
   ``--posts`` uncoded ones. The posts are chat-like texts recombined from the sentences
   of the evaluation corpus with random words; each code follows a trigger word with 10%
   noise (the trigger words also occur in other posts, so "decisions equal to the truth" is
   a sanity check, not a quality measure). The floor measured in the same run is one pass
   of TF-IDF over the texts; the target is under 60 s for 100,000 posts x 20 codes on the
   2-core machine. Wall and CPU time are both printed: the work runs on one core, so on a
   busy shared machine the wall time says more about the other jobs.
2. *Trust*: the evaluation table of ``chatcode suggest --evaluate`` on the hand-coded
   evaluation corpus (data/evaluation/diabpeers), with random 5-fold cross-validation and
   with folds grouped by the hand-written entry a post came from (no wording seen in
   training), and the learning curves as figures (``--figures DIR``).

Run::

    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_suggest.py
    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_suggest.py --posts 20000 --skip-eval
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode.codebook import codebook_from_dict, load_codebook
from chatcode.coding.codes import read_codes
from chatcode.coding.suggest import decide, fit_models, labels_of, predict_proba
from chatcode.coding.suggest_eval import evaluate
from chatcode.coding.suggest_features import TfidfFeatures
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import read_corpus

ROOT = Path(__file__).parents[1]
EVAL = ROOT / "data" / "evaluation" / "diabpeers"


def make_codebook(n_codes: int):
    n_multi = n_codes - 4
    return codebook_from_dict({
        "name": "bench", "version": "1",
        "dimensions": [
            {"id": "support", "label": "Support", "multiple": True,
             "codes": [{"id": f"c{i}", "label": f"Code {i}", "definition": "."}
                       for i in range(n_multi)]},
            {"id": "topic", "label": "Topic", "multiple": False,
             "codes": [{"id": f"t{i}", "label": f"Topic {i}", "definition": "."}
                       for i in range(4)]}]})


def make_posts(n: int, n_codes: int, *, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Texts from the evaluation corpus' sentences and random words; codes from triggers."""
    rng = np.random.default_rng(seed)
    sentences = pd.read_csv(EVAL / "corpus" / "posts.csv")[S.TEXT].str.split(
        r"(?<=[.!?]) ").explode().dropna().unique()
    words = pd.Series(sentences).str.split().explode().unique()
    n_multi = n_codes - 4
    triggers = rng.choice(words, size=n_codes, replace=False)
    prevalence = np.geomspace(0.01, 0.4, n_multi)
    Y = np.zeros((n, n_codes), dtype=np.int8)
    Y[:, :n_multi] = rng.random((n, n_multi)) < prevalence
    Y[np.arange(n), n_multi + rng.integers(0, 4, n)] = 1
    base = rng.choice(sentences, size=(n, 2))
    texts = []
    for i in range(n):
        extra = " ".join(triggers[Y[i] == 1])
        noise = " ".join(rng.choice(words, size=3))
        texts.append(f"{base[i, 0]} {extra} {noise} {base[i, 1]}")
    flip = rng.random(Y[:, :n_multi].shape) < 0.1 * prevalence  # coder noise
    Y[:, :n_multi] ^= flip
    posts = pd.DataFrame({S.POST_ID: [f"b{i}" for i in range(n)], S.TEXT: texts,
                          S.ROLE: np.where(rng.random(n) < 0.2, "moderator", "participant"),
                          S.PARENT_ID: np.where(rng.random(n) < 0.6, "b0", None),
                          S.ATTACHMENTS: (rng.random(n) < 0.05).astype(int)})
    return posts, Y


def speed(n_train: int, n_posts: int, n_codes: int) -> None:
    cb = make_codebook(n_codes)
    layout = labels_of(cb)
    train, Y = make_posts(n_train, n_codes, seed=1)
    test, Y_test = make_posts(n_posts, n_codes, seed=2)
    t0 = time.perf_counter()
    TfidfFeatures().fit_transform(train)
    floor = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    step = TfidfFeatures()
    X = step.fit_transform(train)
    t1 = time.perf_counter()
    models = fit_models(X, Y, layout)
    t2 = time.perf_counter()
    P = predict_proba(models, step.transform(test), len(layout))
    decided = decide(P, layout)
    t3 = time.perf_counter()
    total, cpu = t3 - t0, time.process_time() - c0
    agree = (decided == Y_test).mean()
    print(f"speed: train on {n_train:,} coded posts, predict {n_posts:,} posts, {n_codes} "
          f"codes ({X.shape[1]:,} features)")
    print(f"  features {t1 - t0:6.1f} s | training {t2 - t1:6.1f} s | prediction of "
          f"{n_posts:,} new posts {t3 - t2:6.1f} s | total {total:6.1f} s wall, {cpu:.1f} s "
          f"CPU (target < 60 s: {'met' if total < 60 else 'NOT met'})")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; floor (one "
          f"TF-IDF pass over the training texts) {floor:.1f} s; total = "
          f"{total / floor:.1f} x floor; decisions equal to the (noisy) truth: {agree:.1%}",
          flush=True)


def trust(figures: Path | None) -> None:
    from chatcode.cli.suggest_cmd import evaluation_text

    cb = load_codebook(ROOT / "codebooks" / "diabpeers.yaml")
    corpus = read_corpus(EVAL / "corpus")
    codes = read_codes(EVAL / "codes.csv", codebook=cb)
    for groups in (None, "src_entry"):
        t0 = time.perf_counter()
        ev = evaluate(corpus, codes, cb, groups=groups)
        print(evaluation_text(ev))
        print(f"({time.perf_counter() - t0:.0f} s; gate open for "
              f"{int(ev.table['gate_open'].sum())} of {len(ev.table)} codes; mean kappa "
              f"{ev.table['kappa'].mean():.2f}, keyword baseline "
              f"{ev.table['keyword_kappa'].mean():.2f})\n")
        if figures is not None:
            figures.mkdir(parents=True, exist_ok=True)
            name = "suggestions-curve" + ("-grouped" if groups else "") + ".png"
            ev.figure().savefig(figures / name, dpi=110, metadata={"Software": None})
            print(f"wrote {figures / name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--skip-eval", action="store_true")
    parser.add_argument("--figures", type=Path, default=None,
                        help="write the learning curves of the evaluation corpus here")
    args = parser.parse_args()
    speed(args.posts, args.posts, args.codes)       # the target: 100,000 x 20
    speed(min(5_000, args.posts), args.posts, args.codes)  # a coder's few thousand posts
    if not args.skip_eval:
        trust(args.figures)


if __name__ == "__main__":
    main()
