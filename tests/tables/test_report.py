"""The report folder (chatcode.report.write_report), the figures, and the notebooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import chatcode
from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes
from chatcode.errors import ChatcodeError
from chatcode.tables.figures import (
    latency_figure,
    participation_figure,
    save,
    topics_figure,
    with_without_figure,
)
from chatcode.tables.layouts import build_tables, coded_posts, participation_table
from chatcode.tables.report import provenance, write_report

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parents[1] / "fixtures" / "tables"


@pytest.fixture(scope="module")
def coded():
    codebook = load_codebook(HERE / "codebook.yaml")
    return coded_posts(chatcode.read_corpus(HERE / "corpus"),
                       read_codes(HERE / "codes.csv", codebook=codebook), codebook)


def test_the_report_folder(tmp_path, coded):
    out = write_report(coded, tmp_path / "report", inputs=[HERE / "codes.csv"])
    assert sorted(p.name for p in out.iterdir()) == ["chatcode.json", "figures", "methods.md",
                                                    "report.docx", "report.html",
                                                    "tables.json", "tables.xlsx"]
    pngs = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert pngs == sorted(p.stem for p in (out / "figures").glob("*.svg")) == [
        "table_10", "table_11", "table_7", "table_latency", "table_network",
        "table_participation", "table_time_to_response"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
               for p in (out / "figures").glob("*.png"))
    ids = [t["id"] for t in json.loads((out / "tables.json").read_text())["tables"]]
    assert ids == ["10", "9", "11", "7", "latency", "frequencies", "participation",
                   "time_to_response", "network"]


def test_the_html_page_is_self_contained(tmp_path, coded):
    page = (write_report(coded, tmp_path / "r") / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 7
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "Table 7. Responses to nudging approaches" in page
    assert "<td>4.00</td><td>0.000</td>" in page and "<td>**</td>" in page
    assert "no continuity correction" in page
    assert "Provenance" in page and coded.codebook.hash in page


def test_text_is_escaped_in_the_page(tmp_path, coded):
    from chatcode.codebook import codebook_from_dict, codebook_to_dict

    data = codebook_to_dict(coded.codebook)
    data["tables"][3]["title"] = "<script>alert(1)</script>"
    cb = codebook_from_dict(data)
    other = coded_posts(coded.corpus, read_codes(HERE / "codes.csv", codebook=cb), cb)
    page = (write_report(other, tmp_path / "r", tables=["7"]) / "report.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_nothing_is_overwritten_without_force(tmp_path, coded):
    out = write_report(coded, tmp_path / "r", tables=["9"])
    with pytest.raises(ChatcodeError, match=re.escape("the output already exists")):
        write_report(coded, out, tables=["9"])
    write_report(coded, out, tables=["11"], force=True)
    assert json.loads((out / "tables.json").read_text())["tables"][0]["id"] == "11"


def test_provenance_names_inputs_options_and_versions(coded):
    rows = dict(provenance(coded, inputs=[HERE / "corpus"], options={"test": "welch"}))
    assert rows["chatcode_version"] == chatcode.__version__
    assert rows["codebook_hash"] == coded.codebook.hash
    assert (rows["coder"], rows["pass"], rows["option test"]) == ("A", "main", "welch")
    assert {k for k in rows if k.startswith("input sha256")} == {
        f"input sha256 {HERE / 'corpus' / name}" for name in ("posts.csv", "reactions.csv")}


def test_figures(tmp_path, coded):
    tables = {t.id: t for t in build_tables(coded)}
    figs = {"ww": with_without_figure(coded, tables["7"]),
            "topics": topics_figure(coded, tables["11"]),
            "latency": latency_figure(coded),
            "weekly": participation_figure(participation_table(coded))}
    ax = figs["ww"].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Questions\nn = 5 with, 13 without",
                      "Playful approaches **\nn = 2 with, 16 without"]
    heights = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert heights == sorted([1.6, round(10 / 13, 6), 4.0, 0.625])  # the four means
    for name, fig in figs.items():
        svg = save(fig, tmp_path / name)
        assert svg.lstrip().startswith("<?xml") and (tmp_path / f"{name}.png").exists()
    assert save(figs["ww"], tmp_path / "again") == (tmp_path / "ww.svg").read_text()
    assert figs["ww"]._repr_png_()[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", ["01-quickstart.ipynb", "02-engagement.ipynb"])
def test_notebooks_run(name):
    """The notebooks run top to bottom on the bundled sample (executed with nbclient)."""
    import nbclient
    import nbformat

    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "def " not in source and "lambda" not in source
    imports = re.findall(r"^\s*(?:from|import) (\S+)", source, flags=re.M)
    assert {m.split(".")[0] for m in imports} <= {"chatcode", "pathlib", "tempfile"}


def test_a_mean_of_zero_is_drawn_as_a_marker(tmp_path, coded):
    """A bar of width 0 draws nothing: a mean of 0 gets a marker and a "0" on the axis."""
    from chatcode.corpus import schema as S

    silent = coded.units.loc[coded.units[S.RESPONSES].eq(0), S.POST_ID].tolist()[:2]
    codes = read_codes(HERE / "codes.csv", codebook=coded.codebook)
    quiz = codes["code"].eq("quiz")
    codes.loc[quiz, "value"] = codes.loc[quiz, "post_id"].isin(silent).astype(
        codes["value"].dtype)
    zero = coded_posts(coded.corpus, codes, coded.codebook)
    table = next(t for t in build_tables(zero, tables=["7"]))
    ax = with_without_figure(zero, table).axes[0]
    markers = [line for line in ax.get_lines() if line.get_gid() == "zero_mean"]
    assert len(markers) == 1 and list(markers[0].get_xdata()) == [0]
    assert "0" in [t.get_text() for t in ax.texts]
    # the figure of a table without a zero mean has none
    plain = with_without_figure(coded, build_tables(coded, tables=["7"])[0]).axes[0]
    assert not [line for line in plain.get_lines() if line.get_gid() == "zero_mean"]
