"""``chatcode reproduce``: a tiny hand-made sample whose published figures are computed by hand.

The sample (tests/fixtures/reproduce) is one Mattermost group of 4 root posts and 3 replies.
Responses per post (replies + reactions + reactions on replies, none by the post's author),
counted by hand from bulk-export.jsonl: walk tip 4 (2 replies, 1 reaction, 1 reaction on a
reply), "I tried it" 1, "We eat late" 0, "I feel low" 1, "You are not alone" 0, "How are you
all" 2, "Which breakfast" 0. The working of every published figure is in published.yaml.
The "xlsx export" of the sample is the JSONL ingested and written as a canonical workbook,
so the check "jsonl export = xlsx exports" must hold.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import chatcode
from chatcode.reproduce.run import (
    ReproduceError,
    bundled_sample,
    format_printed,
    load_sample,
    reproduce,
)

HERE = Path(__file__).parents[1] / "fixtures" / "reproduce"
PASSES = {("A", "main"): None, ("B", "pretest"): 4, ("A", "retest"): 3}  # posts coded


def _codes(corpus: chatcode.Corpus) -> pd.DataFrame:
    coding = yaml.safe_load((HERE / "coding.yaml").read_text(encoding="utf-8"))
    posts = corpus.posts.sort_values("timestamp")
    rows = []
    for (coder, pass_), first in PASSES.items():
        for text, pid in list(zip(posts["text"], posts["post_id"], strict=True))[:first]:
            codes = next(v for k, v in coding.items() if text.startswith(k))
            for code in ("informational", "emotional"):
                rows.append((pid, coder, pass_, "support", code, int(code in codes["support"])))
            for code in ("eating", "other"):
                rows.append((pid, coder, pass_, "topic", code, int(code == codes["topic"])))
    return pd.DataFrame(rows, columns=["post_id", "coder", "pass", "dimension", "code",
                                       "value"])


def make_sample(folder: Path, published: dict | None = None) -> Path:
    """Build the tiny sample folder: exports, codes, roles, codebook, published, manifest."""
    (folder / "exports").mkdir(parents=True)
    (folder / "coding").mkdir()
    for name in ("roles.yaml", "codebook.yaml", "published.yaml"):
        shutil.copy(HERE / name, folder / name)
    shutil.copy(HERE / "bulk-export.jsonl", folder / "exports" / "bulk-export.jsonl")
    corpus = chatcode.ingest(HERE / "bulk-export.jsonl", roles=HERE / "roles.yaml")
    chatcode.write_corpus(corpus, folder / "exports" / "group1.xlsx")
    codes = _codes(corpus)
    for (coder, pass_), part in codes.groupby(["coder", "pass"]):
        part.to_csv(folder / "coding" / f"{coder}-{pass_}.csv", index=False)
    if published is not None:
        (folder / "published.yaml").write_text(yaml.safe_dump(published), encoding="utf-8")
    manifest = {
        "name": "tiny", "description": "hand-made test sample", "published": "published.yaml",
        "codebook": "codebook.yaml", "exports": ["exports/group1.xlsx"],
        "exports_jsonl": "exports/bulk-export.jsonl", "roles": "roles.yaml",
        "timezone": "Europe/Vienna",
        "codes": ["coding/A-main.csv", "coding/B-pretest.csv", "coding/A-retest.csv"],
        "tables": {"coder": "A", "pass": "main"},
        "agreement": {"kappa_pretest": ["A/main", "B/pretest"],
                      "kappa_retest": ["A/main", "A/retest"]}}
    (folder / "sample.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return make_sample(tmp_path_factory.mktemp("tiny") / "sample")


@pytest.fixture(scope="module")
def figures(sample) -> pd.DataFrame:
    return reproduce(sample).set_index("id")


def test_every_hand_computed_figure_is_reproduced(figures):
    assert figures["match"].all(), figures[~figures["match"]].to_string()
    assert len(figures) == 1 + 10 + 12  # jsonl check, table 10 cells, figures


@pytest.mark.parametrize(("fid", "reproduced"), [
    ("10/informational/with/mean", "1.67"), ("10/informational/with/sd", "2.082"),
    ("10/informational/without/mean", "0.75"), ("10/informational/without/sd", "0.957"),
    ("10/emotional/without/sd", "2.309"), ("10/emotional/with/stars", "(none)"),
    ("support_posts_pct", "86"), ("emotional_pct", "66.7"), ("latency_mean", "1 h 5 min"),
    ("participants", "2"), ("duration_months", "2"), ("jsonl_export", "same corpus"),
    ("topics_other_lower", "holds"),
])
def test_reproduced_values(figures, fid, reproduced):
    assert figures.loc[fid, "reproduced"] == reproduced


def test_kappa_figures_report_the_minimum(figures):
    # the gate of `chatcode agree --min-kappa`: rare codes are held to the bound too
    assert figures.loc["kappa_pretest", "reproduced"] == "min kappa 1.000"
    assert figures.loc["kappa_pretest", "note"] == (
        "5 defined kappa(s) over 4 posts (4 rare code(s) included); 0 code(s) never vary "
        "and pass")


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (0.5393, 2, "0.54"), (0.535, 2, "0.54"), (0.545, 2, "0.55"), (2.0, 3, "2.000"),
    (-0.0001, 2, "0.00"), (85.714, 0, "86"), (0.125, 2, "0.13")])
def test_format_printed_rounds_half_up(value, decimals, text):
    assert format_printed(value, decimals) == text


def test_a_wrong_figure_is_a_miss_with_exit_1(tmp_path, cli):
    published = yaml.safe_load((HERE / "published.yaml").read_text(encoding="utf-8"))
    published["tables"][0]["rows"][0]["with"]["mean"] = "1.70"
    published["figures"][5]["value"] = "1 h 6 min"
    folder = make_sample(tmp_path / "wrong", published)
    proc = cli("reproduce", folder)
    assert proc.returncode == 1, proc.stderr
    # an 80-column terminal folds the id: its first line carries the values
    line = next(x for x in proc.stdout.splitlines() if "10/informational/" in x
                and "1.70" in x)
    assert "1.70" in line and "1.67" in line and "✗" in line
    assert "21 of 23 published figures reproduced" in proc.stdout
    assert "missed 2 figure(s): 10/informational/with/mean, latency_mean" in proc.stderr


def test_cli_json_is_the_only_stdout(sample, cli, tmp_path):
    proc = cli("reproduce", sample, "--format", "json", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["matched"] == doc["total"] == 23
    assert {"id", "where", "published", "reproduced", "precision", "match", "note"} <= set(
        doc["figures"][0])
    assert re.search(r"reproduced tiny in \d+\.\d s", proc.stderr)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "chatcode.json", "figures.csv", "figures.json", "tables.xlsx"]


def test_table_output_marks_every_figure(sample, cli):
    proc = cli("reproduce", sample)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("✓") == 23
    assert "23 of 23 published figures reproduced" in proc.stdout


def test_missing_file_in_manifest_is_named(tmp_path):
    folder = make_sample(tmp_path / "s")
    (folder / "coding" / "B-pretest.csv").unlink()
    with pytest.raises(ReproduceError, match=re.escape(
            "codes: coding/B-pretest.csv does not exist; paths are relative to the folder "
            "of sample.yaml")):
        load_sample(folder)


def test_missing_bundled_sample_says_to_pass_the_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(chatcode, "__file__", str(tmp_path / "a" / "b" / "__init__.py"))
    with pytest.raises(ReproduceError, match=re.escape(
            "pass the sample folder: chatcode reproduce PATH/TO/data/samples/diabpeers")):
        bundled_sample()


def test_jsonl_and_xlsx_are_compared_by_content(tmp_path):
    """Other post ids in the xlsx (the bulk export has none) still give the same corpus; a
    reaction missing from the JSONL does not."""
    folder = make_sample(tmp_path / "ids")
    corpus = chatcode.read_corpus(folder / "exports" / "group1.xlsx")
    new = {old: f"p{i}" for i, old in enumerate(corpus.posts["post_id"])}
    posts = corpus.posts.assign(post_id=corpus.posts["post_id"].map(new),
                                parent_id=corpus.posts["parent_id"].map(new))
    reactions = corpus.reactions.assign(post_id=corpus.reactions["post_id"].map(new))
    (folder / "exports" / "group1.xlsx").unlink()
    chatcode.write_corpus(chatcode.Corpus(posts, reactions), folder / "exports" / "group1.xlsx")
    for path in (folder / "coding").glob("*.csv"):
        codes = pd.read_csv(path, dtype={"post_id": "str"})
        codes.assign(post_id=codes["post_id"].map(new)).to_csv(path, index=False)
    row = reproduce(folder).set_index("id").loc["jsonl_export"]
    assert row["match"] and "post ids differ" in row["note"]

    jsonl = folder / "exports" / "bulk-export.jsonl"
    jsonl.write_text(jsonl.read_text(encoding="utf-8").replace(
        '{"user":"ben","emoji_name":"smile","create_at":1711959000000}', "").replace(
        '"smile","create_at":1711958700000},]', '"smile","create_at":1711958700000}]'),
        encoding="utf-8")
    row = reproduce(folder).set_index("id").loc["jsonl_export"]
    assert not row["match"]
    assert row["note"] == "7 vs 7 posts, 4 vs 3 reactions"  # 4 reactions in the fixture


def test_people_who_only_reacted_count_as_participants(tmp_path):
    """Design figures count people, not only authors of posts: "cat" never posted but
    reacted, so she is one of the two participants; the moderator is listed in roles."""
    from chatcode.reproduce.run import _design_figure

    posts = pd.DataFrame({"post_id": ["1", "2"], "group": "g",
                          "timestamp": pd.to_datetime(["2024-01-01T10:00Z",
                                                       "2024-01-02T10:00Z"]),
                          "author": ["mod", "ann"], "role": ["moderator", "participant"],
                          "text": ["hi", "hello"]})
    reactions = pd.DataFrame({"post_id": ["1", "1"], "author": ["ann", "cat"],
                              "emoji": ["+1", "+1"]})
    roles = tmp_path / "roles.yaml"
    roles.write_text("moderator: [mod]\n", encoding="utf-8")
    corpus = chatcode.Corpus(posts, reactions)
    got = _design_figure({"id": "participants", "value": "2"}, corpus, roles)
    assert got["match"] and got["note"] == "distinct participants: 1 posted, 1 only reacted"
    got = _design_figure({"id": "moderators", "value": "1"}, corpus, roles)
    assert got["match"]


def test_bundled_sample_is_found_in_the_checkout():
    folder = Path(__file__).parents[2] / "data" / "samples" / "diabpeers"
    if not (folder / "sample.yaml").is_file():
        pytest.skip("the bundled sample is not generated in this checkout")
    assert bundled_sample() == folder.resolve()
