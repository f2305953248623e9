"""The coded chat to SPSS/Stata/Parquet and REFI-QDA and back (chatcode.exchange).

Data files are read back with pyreadstat (ReadStat, the library R's haven uses) and pyarrow,
independent readers of the formats; REFI-QDA projects are validated against the part of the
REFI-QDA Project schema chatcode writes (tests/fixtures/refi/project-subset.xsd, written down
from the published REFI-QDA standard 1.5).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
import xmlschema
from typer.testing import CliRunner

import chatcode
from chatcode.cli import app
from chatcode.errors import ChatcodeError, CodingError
from chatcode.exchange import analysis_frame, read_qdpx, write_qdpx, write_statfile
from chatcode.exchange.qdpx import PROJECT_NS, post_spans, source_text
from chatcode.exchange.statfiles import variable_name

FIX = Path(__file__).parents[1] / "fixtures"
TABLES = FIX / "tables"
XSD = FIX / "refi" / "project-subset.xsd"
CORE = ["post_id", "coder", "pass", "dimension", "code", "value"]


@pytest.fixture(scope="module")
def study():
    cb = chatcode.load_codebook(TABLES / "codebook.yaml")
    corpus = chatcode.read_corpus(TABLES / "corpus")
    codes = chatcode.read_codes(TABLES / "codes.csv", codebook=cb)
    return corpus, codes, cb


@pytest.fixture(scope="module")
def frame(study):
    corpus, codes, cb = study
    return analysis_frame(chatcode.coded_posts(corpus, codes, cb))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df[CORE].astype(str).sort_values(CORE[:5]).reset_index(drop=True)


# --- variable names ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "taken", "expected"), [
    ("support_informational", set(), "support_informational"),
    ("Topic: Healthy eating!", set(), "topic_healthy_eating"),
    ("to", set(), "to_"),          # reserved in SPSS
    ("in", set(), "in_"),          # reserved in Stata
    ("1st_code", set(), "v_1st_code"),
    ("Übung", set(), "ubung"),
    ("topic", {"topic"}, "topic_2"),
    ("x" * 40, set(), "x" * 32),
    ("x" * 40, {"x" * 32}, "x" * 30 + "_2"),
])
def test_variable_names_are_valid_in_spss_stata_and_r(text, taken, expected):
    name = variable_name(text, set(taken))
    assert name == expected
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", name)


# --- the analysis frame ------------------------------------------------------------------------

def test_frame_has_one_row_per_coded_post_with_responses_and_codes(study, frame):
    corpus, codes, cb = study
    coded = chatcode.coded_posts(corpus, codes, cb)
    data = frame.data
    assert list(data["post_id"]) == list(coded.units["post_id"])
    assert (data["responses"].to_numpy() == coded.units["responses"].to_numpy()).all()
    resp = chatcode.responses(corpus).set_index("post_id")["first_response_hours"]
    assert np.allclose(data["first_response_hours"], resp.loc[data["post_id"]].to_numpy(),
                       equal_nan=True)
    wide = codes[codes["dimension"] == "support"].pivot_table(
        index="post_id", columns="code", values="value", aggfunc="first")
    got = data.set_index("post_id")["support_informational"]
    assert (got == wide.loc[got.index, "informational"].astype(float)).all()


def test_single_choice_dimension_is_one_categorical_variable(study, frame):
    _, codes, cb = study
    topic = codes[(codes["dimension"] == "topic") & (codes["value"].astype(int) == 1)]
    code_of = dict(zip(topic["post_id"], topic["code"], strict=True))
    order = {c.id: i + 1 for i, c in enumerate(cb.dimension("topic").codes)}
    for pid, value in zip(frame.data["post_id"], frame.data["topic"], strict=True):
        assert value == order.get(code_of.get(pid), 0)
    assert frame.value_labels["topic"] == {0: "none", 1: "Healthy eating",
                                           2: "Physical activity", 3: "Other"}


def test_dummies_option_gives_a_variable_per_code(study):
    corpus, codes, cb = study
    frame = analysis_frame(chatcode.coded_posts(corpus, codes, cb), dummies=True)
    assert {"topic_eating", "topic_activity", "topic_other"} <= set(frame.data.columns)
    assert "topic" not in frame.data.columns


# --- SPSS, Stata, Parquet -----------------------------------------------------------------------

def test_sav_reads_back_with_values_labels_and_notes(frame, tmp_path):
    path = write_statfile(frame, tmp_path / "study.sav")
    df, meta = pyreadstat.read_sav(str(path))
    assert list(df.columns) == list(frame.data.columns)
    for col in frame.data.columns:
        if frame.data[col].dtype.kind in "fi":
            assert np.allclose(df[col].astype(float), frame.data[col].astype(float),
                               equal_nan=True), col
        elif col != "timestamp":
            assert list(df[col]) == list(frame.data[col]), col
    assert (pd.to_datetime(df["timestamp"]) == pd.to_datetime(frame.data["timestamp"])).all()
    assert meta.column_names_to_labels["support_emotional"] == \
        "Type of peer support: Emotional support"
    assert meta.variable_value_labels["support_emotional"] == {0: "absent", 1: "present"}
    assert meta.variable_value_labels["topic"][2] == "Physical activity"
    assert meta.variable_measure["responses"] == "scale"
    assert meta.variable_measure["topic"] == "nominal"
    assert any("codebook tables-test version 1" in n for n in meta.notes)


def test_dta_reads_back_with_labels(frame, tmp_path):
    path = write_statfile(frame, tmp_path / "study.dta")
    df, meta = pyreadstat.read_dta(str(path))
    assert np.allclose(df["responses"], frame.data["responses"])
    assert meta.variable_value_labels["support_informational"] == {0: "absent", 1: "present"}
    assert meta.column_names_to_labels["topic"] == "Topic"
    assert "tables-test" in meta.file_label


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_arrow_files_carry_labels_in_metadata(frame, tmp_path, suffix):
    import pyarrow.feather as feather

    path = write_statfile(frame, tmp_path / f"study{suffix}")
    table = pq.read_table(path) if suffix == ".parquet" else feather.read_table(path)
    assert table.num_rows == len(frame.data)
    field = table.schema.field("topic")
    assert field.metadata[b"label"] == b"Topic"
    assert json.loads(field.metadata[b"values"])["1"] == "Healthy eating"
    assert "coder A, pass main" in json.loads(table.schema.metadata[b"chatcode"])["notes"]


def test_statfile_refuses_overwrite_and_unknown_suffix(frame, tmp_path):
    write_statfile(frame, tmp_path / "s.sav")
    with pytest.raises(ChatcodeError, match="already exists"):
        write_statfile(frame, tmp_path / "s.sav")
    with pytest.raises(ChatcodeError, match=r"use \.sav \(SPSS\)"):
        write_statfile(frame, tmp_path / "s.xls")


# --- REFI-QDA ----------------------------------------------------------------------------------

def test_source_text_spans_are_found_again():
    posts = pd.DataFrame({"post_id": ["a1", "b2", "c3"], "group": "g",
                          "timestamp": pd.to_datetime(["2023-05-02 08:00", "2023-05-02 08:05",
                                                       "2023-05-02 09:00"]).tz_localize("UTC"),
                          "author": ["Anna", "Ben: the second", "Cem"],
                          "role": ["moderator", "participant", "participant"],
                          "text": ["Hello\r\nall", "", "[x] 2023-01-01 10:00 fake (p):"]})
    text, spans = source_text(posts)
    assert post_spans(text) == spans
    assert text[spans["a1"][0]:spans["a1"][1]] == \
        "[a1] 2023-05-02 08:00 Anna (moderator):\nHello\nall"
    assert text[spans["c3"][0]:spans["c3"][1]].endswith("\n [x] 2023-01-01 10:00 fake (p):")


def test_qdpx_validates_and_round_trips_every_coder_and_pass(study, tmp_path):
    corpus, codes, cb = study
    extra = codes[codes["post_id"].isin(["1", "2", "3"])].assign(coder="B", **{"pass": "pretest"})
    both = pd.concat([codes, extra], ignore_index=True)
    path = write_qdpx(corpus, both, cb, tmp_path / "study.qdpx")
    with zipfile.ZipFile(path) as zf:
        xmlschema.XMLSchema(XSD).validate(zf.read("project.qde").decode("utf-8"))
        assert sum(n.startswith("Sources/") for n in zf.namelist()) == \
            corpus.posts["group"].nunique()
    back = read_qdpx(path, codebook=cb)
    assert _sorted(back).equals(_sorted(both))


def test_qdpx_round_trip_on_the_bundled_sample(tmp_path):
    """The sample's three passes (A main, B pretest on 10% of group 1, A re-test) survive."""
    root = Path(chatcode.__file__).resolve().parents[2]
    sample = root / "data" / "samples" / "diabpeers"
    cb = chatcode.load_codebook(root / "codebooks" / "diabpeers.yaml")
    corpus = chatcode.ingest(sorted((sample / "exports").glob("group*.xlsx")),
                             roles=sample / "roles.yaml", timezone="Europe/Berlin")
    codes = chatcode.read_codes(sorted((sample / "coding").glob("*.xlsx")), codebook=cb)
    path = write_qdpx(corpus, codes, cb, tmp_path / "diabpeers.qdpx")
    with zipfile.ZipFile(path) as zf:
        xmlschema.XMLSchema(XSD).validate(zf.read("project.qde").decode("utf-8"))
    assert _sorted(read_qdpx(path, codebook=cb)).equals(_sorted(codes))


def _project(tmp_path: Path, text: str, body: str, name: str = "p.qdpx") -> Path:
    """A small project as a QDA program writes it: codes named by label, no chatcode note."""
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{PROJECT_NS}" name="x" '
           'origin="QualCoder 3.5"><Users><User guid="11111111-1111-1111-1111-111111111111" '
           'name="Maria"/></Users><CodeBook><Codes>'
           '<Code guid="22222222-2222-2222-2222-222222222222" name="Emotional support" '
           'isCodable="true"/><Code guid="33333333-3333-3333-3333-333333333333" '
           'name="Healthy eating" isCodable="true"/></Codes></CodeBook><Sources>'
           '<TextSource guid="44444444-4444-4444-4444-444444444444" name="g" '
           'plainTextPath="internal://44444444-4444-4444-4444-444444444444.txt">'
           f'{body}</TextSource></Sources></Project>')
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/44444444-4444-4444-4444-444444444444.txt", text)
    return path


def _selection(start: int, end: int, code: str) -> str:
    return (f'<PlainTextSelection guid="55555555-5555-5555-5555-{start:012d}" '
            f'startPosition="{start}" endPosition="{end}" '
            'creatingUser="11111111-1111-1111-1111-111111111111"><Coding '
            'guid="66666666-6666-6666-6666-666666666666" creatingUser='
            f'"11111111-1111-1111-1111-111111111111"><CodeRef targetGUID="{code}"/></Coding>'
            '</PlainTextSelection>')


def test_codings_made_in_a_qda_program_come_back(study, tmp_path):
    """Part of a post selected, codes matched by label, every post of the source coded."""
    corpus, _, cb = study
    posts = corpus.posts[corpus.posts["group"] == corpus.posts["group"].iloc[0]].head(4)
    text, spans = source_text(posts)
    first, second = list(spans)[:2]
    a, b = spans[second]
    body = (_selection(a + 5, a + 9, "22222222-2222-2222-2222-222222222222")
            + _selection(spans[first][0], spans[first][0] + 3,
                         "33333333-3333-3333-3333-333333333333"))
    codes = read_qdpx(_project(tmp_path, text, body), codebook=cb)
    assert set(codes["coder"]) == {"Maria"} and set(codes["pass"]) == {"qda"}
    assert codes["post_id"].nunique() == len(posts)          # every post counts as coded
    on = codes[codes["value"] == 1][["post_id", "dimension", "code"]].values.tolist()
    assert sorted(on) == sorted([[second, "support", "emotional"], [first, "topic", "eating"]])
    chosen = read_qdpx(_project(tmp_path, text, body, "q.qdpx"), codebook=cb,
                       all_coded=False)
    assert set(chosen["post_id"]) == {first, second}


def test_unknown_codes_and_stray_selections_are_named(study, tmp_path):
    corpus, _, cb = study
    text, spans = source_text(corpus.posts.head(2))
    bad = _project(tmp_path, text, _selection(0, 3, "22222222-2222-2222-2222-222222222222"))
    with zipfile.ZipFile(bad) as zf:
        qde = zf.read("project.qde").decode().replace('name="Healthy eating"', 'name="Sleep"')
    with zipfile.ZipFile(tmp_path / "u.qdpx", "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/44444444-4444-4444-4444-444444444444.txt", text)
    with pytest.raises(CodingError, match=r"1 code\(s\) of the project are not in codebook "
                                          r"tables-test: 'Sleep'"):
        read_qdpx(tmp_path / "u.qdpx", codebook=cb)
    stray = _project(tmp_path, "no headers here at all", _selection(
        0, 3, "22222222-2222-2222-2222-222222222222"), "s.qdpx")
    with pytest.raises(CodingError, match=r"1 selection\(s\) lie outside every post"):
        read_qdpx(stray, codebook=cb)
    (tmp_path / "z.qdpx").write_text("not a zip")
    with pytest.raises(CodingError, match=r"z\.qdpx: not a REFI-QDA project"):
        read_qdpx(tmp_path / "z.qdpx", codebook=cb)


# --- the command line --------------------------------------------------------------------------

def test_cli_export_import_and_tables_on_the_project(tmp_path, cli):
    runner = CliRunner()
    corpus, cb = str(TABLES / "corpus"), str(TABLES / "codebook.yaml")
    codes = str(TABLES / "codes.csv")
    r = runner.invoke(app, ["export", corpus, codes, "--codebook", cb, "-o",
                            str(tmp_path / "s.sav")])
    assert r.exit_code == 0, r.output
    assert "variables (SPSS)" in r.output
    r = runner.invoke(app, ["export", corpus, codes, "--codebook", cb, "-o",
                            str(tmp_path / "s.qdpx")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", str(tmp_path / "s.qdpx"), "--codebook", cb, "-o",
                            str(tmp_path / "back.csv")])
    assert r.exit_code == 0, r.output
    back = pd.read_csv(tmp_path / "back.csv", dtype=str)
    assert _sorted(back).equals(_sorted(pd.read_csv(codes, dtype=str)))
    r = runner.invoke(app, ["tables", corpus, str(tmp_path / "s.qdpx"), "--codebook", cb,
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    again = cli("export", corpus, codes, "--codebook", cb, "-o", tmp_path / "s.sav")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    r = runner.invoke(app, ["export", corpus, codes, "--codebook", cb, "-o",
                            str(tmp_path / "s.xls")])
    assert r.exit_code == 2
