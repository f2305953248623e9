"""Effect sizes in the journal layouts, one family of p-values across tables
(``--adjust-family all``) and the new adjustments, checked against statsmodels'
multipletests run here on the pooled p-values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests
from typer.testing import CliRunner

from chatcode.cli import app
from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes
from chatcode.corpus.corpus import read_corpus
from chatcode.tables.layouts import build_tables, coded_posts
from chatcode.tables.report import journal_frame, table_note

HERE = Path(__file__).parents[1] / "fixtures" / "tables"
CORPUS, CODES, CODEBOOK = HERE / "corpus", HERE / "codes.csv", HERE / "codebook.yaml"
BASE = (CORPUS, CODES, "--codebook", CODEBOOK)


@pytest.fixture(scope="module")
def coded():
    cb = load_codebook(CODEBOOK)
    return coded_posts(read_corpus(CORPUS), read_codes(CODES, codebook=cb), cb)


def _ww(tables):
    return [t for t in tables if t.kind == "with_without"]


@pytest.mark.parametrize("method", ["holm", "fdr_bh", "bonferroni", "fdr_by"])
def test_one_family_across_tables_matches_multipletests(coded, method):
    """The p-values of all with/without tables, adjusted together, equal statsmodels'
    multipletests over the pooled p-values (Bonferroni 1936; Holm 1979; Benjamini &
    Hochberg 1995; Benjamini & Yekutieli 2001)."""
    per_table = _ww(build_tables(coded, adjust=method))
    family = _ww(build_tables(coded, adjust=method, adjust_family="all"))
    assert len(family) >= 2
    pooled = np.concatenate([t.data["p_value"].to_numpy() for t in per_table])
    ok = np.isfinite(pooled)
    expected = np.full(len(pooled), np.nan)
    expected[ok] = multipletests(pooled[ok], method=method)[1]
    got = np.concatenate([t.data["p_adjusted"].to_numpy() for t in family])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert all(f"over all {int(ok.sum())} tests" in t.test for t in family)


def test_effect_size_columns_only_when_asked(coded):
    plain = _ww(build_tables(coded))[0]
    shown = _ww(build_tables(coded, effect_size=True))[0]
    assert "r (95% CI)" not in journal_frame(plain).columns
    frame = journal_frame(shown)
    assert {"r (95% CI)", "With: 95% CI", "Without: 95% CI"} <= set(frame.columns)
    assert "rank-biserial" in table_note(shown)
    g = _ww(build_tables(coded, effect_size=True, test="welch"))[0]
    assert "g (95% CI)" in journal_frame(g).columns


def test_cli_json_carries_effect_sizes_and_cluster_p():
    r = CliRunner().invoke(app, ["tables", *map(str, BASE), "-t", "7", "-f", "json",
                                 "--cluster", "author", "--adjust", "bonferroni",
                                 "--adjust-family", "all"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    row = doc["tables"][0]["rows"][0]
    for key in ("effect_size", "effect_ci_low", "effect_ci_high", "mean_with_ci_low",
                "p_method", "n_clusters", "cluster_z", "p_adjusted"):
        assert key in row
    assert "Bonferroni over all" in doc["tables"][0]["test"]
