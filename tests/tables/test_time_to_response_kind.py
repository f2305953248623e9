"""The table kind time_to_response (tables.layouts) and the report's survival and network
sections: the numbers are those of chatcode.engagement.survival (itself checked against the
Freireich/Gehan data in tests/engagement/test_survival.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chatcode.codebook import TableSpec, codebook_from_dict, codebook_to_dict, load_codebook
from chatcode.coding.codes import read_codes
from chatcode.corpus.corpus import read_corpus
from chatcode.engagement.survival import compare_survival, survival_summary, time_to_response
from chatcode.tables import figures
from chatcode.tables.layouts import build_table, coded_posts

HERE = Path(__file__).parents[1] / "fixtures" / "tables"


@pytest.fixture(scope="module")
def coded():
    cb = load_codebook(HERE / "codebook.yaml")
    return coded_posts(read_corpus(HERE / "corpus"), read_codes(HERE / "codes.csv",
                                                                 codebook=cb), cb)


def test_per_group_and_per_code(coded):
    data = time_to_response(coded.corpus)
    t = build_table(coded, TableSpec("ttr", "time_to_response", None, "Time"))
    pd.testing.assert_frame_equal(t.data, survival_summary(data, by="group"))
    assert any("censored at the end" in n for n in t.notes)
    t = build_table(coded, TableSpec("ttr_n", "time_to_response", "nudge", "By nudge"))
    units, codes = coded.codes_of("nudge")
    pos = pd.Index(data["post_id"]).get_indexer(units["post_id"])
    ref = compare_survival(data.iloc[pos].reset_index(drop=True), codes)
    np.testing.assert_allclose(t.data["p_value"].to_numpy(), ref["p_value"].to_numpy())
    assert t.data["label"].tolist() == [coded.codebook.dimension("nudge").code(c).label
                                        for c in t.data["code"]]


def test_a_codebook_declares_the_kind_without_a_dimension(coded):
    data = codebook_to_dict(coded.codebook)
    data["tables"].append({"id": "ttr", "kind": "time_to_response", "title": "Time"})
    assert codebook_from_dict(data).table("ttr").dimension is None


def test_report_sections_and_figures(coded):
    built = [build_table(coded, TableSpec("ttr", "time_to_response", "nudge", "By nudge"))]
    extra = figures.report_sections(coded, built)
    assert [t.kind for t in extra] == ["network"]
    figs = figures.report_figures(coded, built + extra)
    assert set(figs) == {"table_ttr", "table_network"}
    assert len(figs["table_ttr"].axes[0].lines) == 2   # with and without the first code
