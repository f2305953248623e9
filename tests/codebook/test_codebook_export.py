"""Codebook export (xlsx, md, qdc, yaml), REFI-QDA import, and ``chatcode codebook``."""

from __future__ import annotations

import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcode.cli import run
from chatcode.codebook import Codebook, codebook_from_dict, codebook_to_dict, load_codebook
from chatcode.codebook.export import (
    codebook_markdown,
    codebook_qdc,
    export_codebook,
    import_qdc,
    qdc_problems,
)
from chatcode.errors import ChatcodeError, ChatcodeWarning, CodebookError

FIX = Path(__file__).parents[1] / "fixtures" / "codebook"
DIABPEERS = Path(__file__).parents[2] / "codebooks" / "diabpeers.yaml"
NS = "{urn:QDA-XML:codebook:1.0}"


def with_definition(cb: Codebook, text: str) -> Codebook:
    """``cb`` with the first code's definition replaced (validated again, new hash)."""
    data = codebook_to_dict(cb)
    data["dimensions"][0]["codes"][0]["definition"] = text
    return codebook_from_dict(data)


# --- REFI-QDA .qdc ------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [DIABPEERS, FIX / "mini.yaml"])
def test_qdc_round_trip_is_unchanged(tmp_path, source):
    cb = load_codebook(source)
    export_codebook(cb, tmp_path / "cb.qdc")
    back = import_qdc(tmp_path / "cb.qdc")
    assert back.notes == ()
    assert back.codebook == cb
    assert back.codebook.hash == cb.hash
    assert load_codebook(tmp_path / "cb.qdc") == cb  # load_codebook reads .qdc directly


def test_qdc_follows_the_refi_qda_codebook_schema():
    """Element and attribute names as in REFI-QDA Codebook.xsd (urn:QDA-XML:codebook:1.0):
    CodeBook/@origin, Codes/Code(@guid, @name, @isCodable, @color; Description, Code*),
    Sets/Set(@guid, @name; Description, MemberCode/@guid)."""
    root = ET.fromstring(codebook_qdc(load_codebook(DIABPEERS)))
    assert qdc_problems(root) == []
    assert root.tag == f"{NS}CodeBook" and root.get("origin").startswith("chatcode ")
    tops = root.findall(f"{NS}Codes/{NS}Code")
    assert [t.get("name") for t in tops] == [
        "Type of peer support", "Topic", "Nudging and call-to-action approach",
        "Behaviour change technique"]
    assert {t.get("isCodable") for t in tops} == {"false"}
    support = tops[0].findall(f"{NS}Code")
    assert [c.get("name") for c in support] == [
        "Informational support", "Emotional support", "Technical support", "Medical support"]
    assert {c.get("isCodable") for c in support} == {"true"}
    assert support[0].find(f"{NS}Description").text.startswith(
        "The post requests or provides information")


def test_qdc_nests_subcodes_under_their_parent():
    root = ET.fromstring(codebook_qdc(load_codebook(FIX / "mini.yaml")))
    emotional = root.find(f"{NS}Codes/{NS}Code/{NS}Code[@name='Emotional support']")
    assert [c.get("name") for c in emotional.findall(f"{NS}Code")] == ["Praise"]


def test_qdc_guids_are_stable_uuid5_of_name_and_ids():
    cb = load_codebook(FIX / "mini.yaml")
    assert codebook_qdc(cb) == codebook_qdc(cb)
    space = uuid.uuid5(uuid.NAMESPACE_URL, "urn:chatcode:codebook")
    root = ET.fromstring(codebook_qdc(cb))
    dim = root.find(f"{NS}Codes/{NS}Code")
    assert dim.get("guid") == str(uuid.uuid5(space, "mini/support")).upper()
    assert dim.find(f"{NS}Code").get("guid") == str(
        uuid.uuid5(space, "mini/support/emotional")).upper()
    # a changed definition keeps every GUID
    changed = ET.fromstring(codebook_qdc(with_definition(cb, "Something else.")))
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert [e.get("guid") for e in changed.iter() if e.get("guid")] == guids


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('isCodable="true"', 'isCodable="yes"', "isCodable must be true or false"),
    ('name="Praise" ', "", "Code None has no attribute 'name'"),
    ('color="#1F77B4"', 'color="blue"', "color must look like #1F77B4"),
    ("<CodeBook ", '<CodeBook version="2" ', "the attribute 'version', which the schema"),
])
def test_qdc_problems_finds_departures_from_the_schema(old, new, problem):
    text = codebook_qdc(load_codebook(FIX / "mini.yaml"))
    assert old in text
    found = qdc_problems(ET.fromstring(text.replace(old, new, 1)))
    assert any(problem in p for p in found), found


def test_qdc_problems_checks_order_and_references():
    text = codebook_qdc(load_codebook(FIX / "mini.yaml"))
    root = ET.fromstring(text)
    codes, sets = list(root)
    root.remove(codes)
    root.append(codes)  # Sets before Codes
    assert qdc_problems(root) == [
        "CodeBook must hold Codes and then optionally Sets, not ['Sets', 'Codes']"]
    member = re.search(r'<MemberCode guid="([0-9A-F-]+)"', text).group(1)
    broken = text.replace(f'MemberCode guid="{member}"',
                          'MemberCode guid="00000000-0000-4000-8000-000000000000"', 1)
    assert qdc_problems(ET.fromstring(broken)) == [
        "Set 'Type of support (support)' lists the unknown code "
        "'00000000-0000-4000-8000-000000000000'"]


def test_qdc_from_another_tool_imports_one_dimension_per_top_level_code():
    result = import_qdc(FIX / "foreign.qdc")
    cb = result.codebook
    assert [(d.id, d.label, d.multiple) for d in cb.dimensions] == [
        ("peer_support", "Peer support", True), ("codes", "Codes", True)]
    support = cb.dimension("peer_support")
    assert support.definition == "Kinds of support in a post."
    assert support.code_ids == ("emotional_support", "praise", "informationelle_unterstutzung")
    assert support.code("praise").parent == "emotional_support"
    assert support.code("praise").definition == "Praise!"
    assert support.code("informationelle_unterstutzung").label == "Informationelle Unterstützung"
    assert cb.dimension("codes").code("humour").definition == "The post is meant to be funny."
    assert (cb.name, cb.version) == ("foreign", "1")
    assert result.notes == (
        "no chatcode codebook data (Set 'chatcode codebook NAME') in the file: "
        "name 'foreign', version '1', no tables",
        "the top-level code 'Peer support' became the dimension 'peer_support' "
        "(multiple: true); set 'multiple: false' if a post gets at most one of its codes",
        "the code 'Praise!' has no description; its name is its definition",
        "1 top-level code(s) without subcodes went to the dimension 'codes' (multiple: true)",
    )
    with pytest.warns(ChatcodeWarning, match=re.escape("the top-level code 'Peer support'")):
        assert load_codebook(FIX / "foreign.qdc") == cb


@pytest.mark.parametrize(("text", "message"), [
    ("<CodeBook", "not valid XML: "),
    ('<!DOCTYPE x [<!ENTITY a "b">]><CodeBook/>', "declares a DOCTYPE or entities"),
    ('<Project xmlns="urn:QDA-XML:project:1.0"/>',
     "the root element is '{urn:QDA-XML:project:1.0}Project', not CodeBook"),
])
def test_import_rejects_files_that_are_no_codebook(tmp_path, text, message):
    path = tmp_path / "x.qdc"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError, match=re.escape(message)):
        import_qdc(path)


# --- xlsx, md, yaml -------------------------------------------------------------------------

def test_xlsx_has_one_formatted_row_per_code(tmp_path):
    from openpyxl import load_workbook

    cb = load_codebook(DIABPEERS)
    export_codebook(cb, tmp_path / "cb.xlsx")
    ws = load_workbook(tmp_path / "cb.xlsx")["codes"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["dimension", "multiple", "id", "label"]
    assert {"definition", "include", "exclude", "examples", "keywords"} <= set(header)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1 + cb.n_codes
    row = {h: c for h, c in zip(header, ws[3], strict=True)}
    assert (row["dimension"].value, row["id"].value) == ("support", "emotional")
    assert row["keywords"].value.startswith("de: super, toll")
    assert row["definition"].alignment.wrap_text
    assert ws.column_dimensions["F"].width == 60


def test_xlsx_writes_text_as_text_never_as_formula(tmp_path):
    from openpyxl import load_workbook

    cb = with_definition(load_codebook(FIX / "mini.yaml"), '=HYPERLINK("http://x","click")')
    export_codebook(cb, tmp_path / "cb.xlsx")
    ws = load_workbook(tmp_path / "cb.xlsx")["codes"]
    cell = ws.cell(2, 6)
    assert cell.value == '=HYPERLINK("http://x","click")'
    assert cell.data_type == "s"


def test_exports_are_atomic_and_refuse_to_overwrite(tmp_path):
    cb = load_codebook(FIX / "mini.yaml")
    path = tmp_path / "cb.md"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(ChatcodeError, match=re.escape("the output already exists")):
        export_codebook(cb, path)
    assert path.read_text(encoding="utf-8") == "keep me"
    export_codebook(cb, path, force=True)
    assert path.read_text(encoding="utf-8").startswith("# Codebook mini, version 2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.md"]  # no temporary left
    with pytest.raises(CodebookError, match=re.escape(
            "cannot tell the export format from the suffix '.pdf'")):
        export_codebook(cb, tmp_path / "cb.pdf")


def test_markdown_lists_every_code_and_table():
    cb = load_codebook(FIX / "mini.yaml")
    data = codebook_to_dict(cb)
    data["dimensions"][0]["codes"][0]["examples"] = ["a | b"]
    md = codebook_markdown(codebook_from_dict(data))
    assert "## Type of support (`support`, several codes per post)" in md
    assert "## Topic (`topic`, at most one code per post)" in md
    assert "### Praise (`praise`, subcode of `emotional`, extension)" in md
    assert "### Healthy eating (`food`, 8 weeks)" in md
    assert "**Keywords.** de: super, stolz; en: great, proud" in md
    assert "- a \\| b" in md
    assert "| 10 | with_without | support | Responses to types of support | " \
           "informational (Informative support), emotional |" in md


def test_yaml_export_loads_back_unchanged(tmp_path):
    cb = load_codebook(DIABPEERS)
    export_codebook(cb, tmp_path / "again.yaml")
    assert load_codebook(tmp_path / "again.yaml") == cb
    assert replace(cb, path=None).hash == cb.hash


# --- the CLI ------------------------------------------------------------------------------------

def cli_run(capsys, *args: str) -> tuple[int, str, str]:
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_check_ok_and_problems(capsys):
    code, out, err = cli_run(capsys, "codebook", "check", DIABPEERS)
    cb = load_codebook(DIABPEERS)
    assert code == 0
    assert out.strip() == (f"ok: diabpeers version 1, hash {cb.hash}, 4 dimensions, "
                           "25 codes, 6 tables")
    code, out, err = cli_run(capsys, "codebook", "check", FIX / "all_problems.yaml")
    assert code == 1 and out == ""
    assert "the codebook has 11 problems" in err
    assert "line 7: unknown key 'mutiple' in dimension 'support'" in " ".join(err.split())


def test_cli_show(capsys):
    code, out, _ = cli_run(capsys, "codebook", "show", DIABPEERS, "--dimension", "support",
                           "--full")
    flat = " ".join(out.split())
    assert code == 0
    assert "Type of peer support (support, several codes per post)" in flat
    assert "Medical support (medical)" in flat and "Topic" not in flat
    assert "keywords de: Messgerät" in flat
    code, out, err = cli_run(capsys, "codebook", "show", DIABPEERS, "-d", "mood")
    assert code == 1 and "has no dimension 'mood'" in err


def test_cli_export_and_import(tmp_path, capsys):
    for suffix in (".xlsx", ".md", ".qdc"):
        code, out, err = cli_run(capsys, "codebook", "export", DIABPEERS,
                                 "-o", tmp_path / f"cb{suffix}")
        assert (code, out) == (0, "") and f"wrote {tmp_path / f'cb{suffix}'}" in err
    code, _, err = cli_run(capsys, "codebook", "export", DIABPEERS, "-o", tmp_path / "cb.md")
    assert code == 1 and "already exists" in err
    code, _, _ = cli_run(capsys, "codebook", "export", DIABPEERS, "-o", tmp_path / "cb.md",
                         "--force")
    assert code == 0
    code, _, err = cli_run(capsys, "codebook", "import", tmp_path / "cb.qdc",
                           "-o", tmp_path / "back.yaml")
    assert code == 0 and "note:" not in err
    assert load_codebook(tmp_path / "back.yaml") == load_codebook(DIABPEERS)
    code, _, err = cli_run(capsys, "codebook", "import", FIX / "foreign.qdc",
                           "-o", tmp_path / "foreign.yaml")
    assert code == 0 and "note: the top-level code 'Peer support' became" in err
    assert [d.id for d in load_codebook(tmp_path / "foreign.yaml").dimensions] == [
        "peer_support", "codes"]
    code, _, err = cli_run(capsys, "codebook", "import", FIX / "foreign.qdc",
                           "-o", tmp_path / "foreign.txt")
    assert code == 1 and "must be a .yaml file" in err


def test_cli_usage_errors_exit_2(cli, tmp_path):
    result = cli("codebook", "check", tmp_path / "missing.yaml")
    assert result.returncode == 2 and result.stdout == ""
    result = cli("codebook", "export", DIABPEERS)
    assert result.returncode == 2


@pytest.mark.parametrize("command", ["check", "show", "export", "import"])
def test_every_codebook_command_has_help_with_an_example(capsys, command):
    code, out, _ = cli_run(capsys, "codebook", command, "--help")
    assert code == 0
    assert "Examples:" in out and f"chatcode codebook {command} " in out


# --- property: any valid codebook survives the .qdc round trip ------------------------------

_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_TEXT = st.lists(st.one_of(st.text(_CHARS, max_size=8), st.sampled_from(
    ["\n", "\r\n", "<&>", '"', "\n--- chatcode ---\n", ": ", "#", "'", "yes", "1.0"])),
    min_size=1, max_size=5).map("".join).filter(lambda s: s.strip())
_ID = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z")


@st.composite
def codebooks(draw) -> dict:
    dims = []
    for dim_id in draw(st.lists(_ID, min_size=1, max_size=3, unique=True)):
        ids = draw(st.lists(_ID, min_size=1, max_size=4, unique=True))
        codes = [{"id": cid, "label": draw(_TEXT), "definition": draw(_TEXT),
                  "include": draw(st.lists(_TEXT, max_size=2)),
                  "keywords": {"de": draw(st.lists(_TEXT, max_size=2))},
                  "extension": draw(st.booleans())} for cid in ids]
        for i in range(1, len(codes)):  # a parent earlier in the list: never a cycle
            if draw(st.booleans()):
                codes[i]["parent"] = ids[draw(st.integers(0, i - 1))]
        dims.append({"id": dim_id, "label": draw(_TEXT), "multiple": draw(st.booleans()),
                     "definition": draw(st.one_of(st.just(""), _TEXT)), "codes": codes})
    return {"name": draw(_TEXT), "version": draw(_TEXT), "description": draw(_TEXT),
            "dimensions": dims}


@settings(max_examples=60, deadline=None)
@given(codebooks())
def test_any_codebook_survives_the_qdc_and_yaml_round_trips(data):
    cb = codebook_from_dict(data)
    with tempfile.TemporaryDirectory() as tmp:
        export_codebook(cb, Path(tmp) / "cb.qdc")
        back = import_qdc(Path(tmp) / "cb.qdc")
        export_codebook(cb, Path(tmp) / "cb.yaml")
        again = load_codebook(Path(tmp) / "cb.yaml")
    assert back.notes == ()
    assert back.codebook == cb and back.codebook.hash == cb.hash
    assert again == cb
