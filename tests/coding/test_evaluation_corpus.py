"""The evaluation corpus of coding suggestions (data/evaluation/diabpeers): complete, valid
against the DiabPeerS codebook, and written byte for byte by its script."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pandas as pd

from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes
from chatcode.corpus.corpus import read_corpus

ROOT = Path(__file__).parents[2]
EVAL = ROOT / "data" / "evaluation" / "diabpeers"


def test_every_post_is_coded_against_the_codebook():
    cb = load_codebook(ROOT / "codebooks" / "diabpeers.yaml")
    posts = read_corpus(EVAL / "corpus").posts
    codes = read_codes(EVAL / "codes.csv", codebook=cb, corpus=read_corpus(EVAL / "corpus"))
    assert len(posts) >= 600
    assert set(codes["post_id"]) == set(posts["post_id"])
    assert len(codes) == len(posts) * sum(len(d.codes) for d in cb.dimensions)
    assert set(posts["group"]) == {"Nord", "Sued", "Lakes", "Valley"}   # German and English
    topics = codes[codes["dimension"].eq("topic")].groupby("post_id")["value"].sum()
    assert topics.eq(1).all()                                        # one topic per post


def test_the_script_writes_the_files_byte_for_byte():
    spec = importlib.util.spec_from_file_location("write_posts", EVAL / "write_posts.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(EVAL))
    try:
        spec.loader.exec_module(module)
        posts, codes = module.build()
    finally:
        sys.path.remove(str(EVAL))
    for rows, path in ((posts, EVAL / "corpus" / "posts.csv"), (codes, EVAL / "codes.csv")):
        buffer = io.StringIO()
        pd.DataFrame(rows).to_csv(buffer, index=False, lineterminator="\n")
        assert buffer.getvalue() == path.read_text(encoding="utf-8")
