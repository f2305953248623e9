"""Loading and validating codebooks; the DiabPeerS codebook."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

from chatcode.codebook import (
    Codebook,
    codebook_from_dict,
    codebook_to_dict,
    load_codebook,
)
from chatcode.errors import CodebookError, Problems

FIX = Path(__file__).parents[1] / "fixtures" / "codebook"
DIABPEERS = Path(__file__).parents[2] / "codebooks" / "diabpeers.yaml"

BASE = """\
name: t
version: "1"
dimensions:
  - id: support
    label: Support
    multiple: true
    codes:
      - id: emotional
        label: Emotional
        definition: Care.
      - id: info
        label: Info
        definition: Facts.
tables:
  - {id: "10", kind: with_without, dimension: support, title: T}
"""


def load_text(tmp_path: Path, text: str, name: str = "cb.yaml") -> Codebook:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_codebook(path)


# --- the DiabPeerS codebook ----------------------------------------------------------------

def test_diabpeers_has_exactly_the_dimensions_and_codes_of_the_paper():
    cb = load_codebook(DIABPEERS)
    assert (cb.name, cb.version) == ("diabpeers", "1")
    shape = {d.id: (d.multiple, d.code_ids) for d in cb.dimensions}
    assert shape == {
        "support": (True, ("informational", "emotional", "technical", "medical")),
        "topic": (False, ("getting_to_know", "pathophysiology", "physical_activity",
                          "healthy_eating", "self_monitoring", "medication", "healthy_coping",
                          "closing", "other")),
        "nudge": (True, ("playful", "reminder", "mood_question", "image", "personal_experience",
                         "co_creation", "engaging_fact")),
        "bct": (True, ("goal_setting", "action_planning", "goal_achievement",
                       "behaviour_change", "problem_solving")),
    }


def test_diabpeers_codes_are_complete():
    cb = load_codebook(DIABPEERS)
    for dim in cb.dimensions:
        for code in dim.codes:
            assert code.definition and code.label and code.examples, code.id
            langs = [lang for lang, words in code.keywords if words]
            assert langs == ["de", "en"], code.id
    for code in cb.dimension("support").codes:
        assert code.include and code.exclude, code.id
    # co-creation and engaging fact posts are the manual's extensions, not in Table 7
    extensions = [c.id for d in cb.dimensions for c in d.codes if c.extension]
    assert extensions == ["co_creation", "engaging_fact"]
    assert all("Table 7" in cb.dimension("nudge").code(c).note for c in extensions)


def test_diabpeers_topic_durations_follow_table_1_of_the_paper():
    """Programme phases and durations in weeks, Table 1 of the DiabPeerS paper."""
    topic = load_codebook(DIABPEERS).dimension("topic")
    weeks = {c.id: c.duration_weeks for c in topic.codes}
    assert weeks == {"getting_to_know": "2-3", "pathophysiology": "3",
                     "physical_activity": "4-5", "healthy_eating": "8", "self_monitoring": "3",
                     "medication": "1-2", "healthy_coping": "3", "closing": "1", "other": ""}


def test_diabpeers_declares_the_published_tables():
    cb = load_codebook(DIABPEERS)
    assert [t.id for t in cb.tables] == ["7", "9", "10", "11", "goal_setting", "latency"]
    t7 = cb.table("7")
    assert (t7.kind, t7.dimension, t7.title) == (
        "with_without", "nudge", "Responses to nudging and call-to-action approaches")
    assert [t7.label(r) for r in t7.rows] == [
        "Playful approaches", "Reminders", "Mood questions", "Images",
        "Reports on personal experiences"]
    t10 = cb.table("10")
    assert (t10.kind, t10.dimension, t10.title) == (
        "with_without", "support", "Responses to types of peer support")
    assert [t10.label(c) for c in cb.dimension("support").code_ids] == [
        "Informative support", "Emotional support", "Technical support", "Medical support"]
    assert (cb.table("9").kind, cb.table("9").title) == (
        "support_characteristics", "Characteristics of peer support posts")
    assert (cb.table("11").kind, cb.table("11").dimension, cb.table("11").title) == (
        "topics", "topic", "Quantity of posts shared per topic and provoked responses")
    gs = cb.table("goal_setting")
    assert (gs.kind, gs.dimension, gs.rows) == ("with_without", "bct", ("goal_setting",))
    assert (cb.table("latency").kind, cb.table("latency").dimension) == ("latency", None)


# --- the parsed content ----------------------------------------------------------------------

def test_mini_codebook_is_parsed_into_canonical_fields():
    cb = load_codebook(FIX / "mini.yaml")
    emotional = cb.dimension("support").code("emotional")
    assert emotional.include == ("praise", "empathy")
    assert emotional.keywords == (("de", ("super", "stolz")), ("en", ("great", "proud")))
    assert emotional.keywords_for("en") == ("great", "proud")
    assert emotional.keywords_for("fr") == ()
    praise = cb.dimension("support").code("praise")
    assert (praise.parent, praise.extension) == ("emotional", True)
    assert cb.dimension("topic").code("food").duration_weeks == "8"  # a YAML number -> text
    t = cb.table(10)
    assert t.rows == ("informational", "emotional")
    assert t.label("informational") == "Informative support"
    assert t.label("emotional", "Emotional support") == "Emotional support"
    assert t.options == (("alpha", (0.1, 0.05)), ("test", "mann_whitney"))
    assert t.option("test") == "mann_whitney"
    assert cb.table("latency").dimension is None
    assert cb.n_codes == 5 and cb.path == FIX / "mini.yaml"


def test_lookups_name_what_exists():
    cb = load_codebook(FIX / "mini.yaml")
    with pytest.raises(CodebookError, match=re.escape(
            "the codebook 'mini' has no dimension 'nudge'; use one of support, topic")):
        cb.dimension("nudge")
    with pytest.raises(CodebookError, match=re.escape(
            "dimension 'topic' has no code 'fun'; use one of food, other")):
        cb.dimension("topic").code("fun")
    with pytest.raises(CodebookError, match=re.escape(
            "declares no table '7'; the tables declared are 10, latency")):
        cb.table("7")


def test_codebook_from_dict_accepts_plain_data_and_round_trips_to_dict():
    cb = load_codebook(FIX / "mini.yaml")
    again = codebook_from_dict(codebook_to_dict(cb))
    assert again == cb and again.hash == cb.hash and again.path is None
    with pytest.raises(CodebookError, match=re.escape("the codebook has no version")):
        codebook_from_dict({"name": "x", "dimensions": codebook_to_dict(cb)["dimensions"]})


# --- the hash ----------------------------------------------------------------------------------

def test_hash_is_sha256_of_the_canonical_json():
    """Independent computation: for a codebook written in canonical form (no default values,
    keys as in the YAML), the hash is sha256 of json.dumps(sort_keys, compact) (first 16)."""
    data = yaml.safe_load(BASE)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    assert codebook_from_dict(yaml.safe_load(BASE)).hash == expected


def test_hash_ignores_comments_whitespace_order_and_quoting(tmp_path):
    a = load_text(tmp_path, BASE, "a.yaml")
    reordered = """\
# the same content, written differently
version: '1'
name: "t"
tables: [{title: T, dimension: support, kind: with_without, id: "10"}]
dimensions:
  - codes:
      - {definition: "Care.", label: Emotional, id: emotional}
      - id: info
        definition: >-
          Facts.
        label:   Info
        include: []
    multiple: yes
    label: Support
    id: support
"""
    b = load_text(tmp_path, reordered, "b.yaml")
    assert a == b and a.hash == b.hash and len(a.hash) == 16
    changed = load_text(tmp_path, BASE.replace("Facts.", "Facts and advice."), "c.yaml")
    assert changed.hash != a.hash


# --- every validation problem, pinned --------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "message"), [
    ("    multiple: true", "    mutiple: true",
     "line 6: unknown key 'mutiple' in dimension 'support'; did you mean 'multiple'?"),
    ("    multiple: true", "    multiple: maybe",
     "line 6: dimension 'support': multiple must be true or false, not 'maybe'"),
    ("    multiple: true\n", "",
     "line 4: dimension 'support' has no multiple; add 'multiple: true'"),
    ("      - id: info", "      - id: emotional",
     "line 11: duplicate code id 'emotional' in dimension 'support' (first on line 8); "
     "give every code its own id"),
    ("        definition: Facts.", "        definition: Facts.\n        parent: misc",
     "line 11: code 'info' of dimension 'support' has the unknown parent 'misc'; a parent is "
     "another code of the same dimension: emotional, info"),
    ("        definition: Facts.", "        definition: Facts.\n        parent: info",
     "line 11: the parents in dimension 'support' form a cycle: info -> info"),
    ("        definition: Care.", "        definition: '  '",
     "line 10: code 'emotional' of dimension 'support' has an empty definition; say what the "
     "code means"),
    ("        definition: Care.\n", "",
     "line 8: code 'emotional' of dimension 'support' has no definition"),
    ("      - id: info", "      - id: Info-2",
     "line 11: bad id 'Info-2' of code 'Info-2' of dimension 'support'; ids use lowercase "
     "letters, digits and underscore and start with a letter, e.g. 'info_2'"),
    ("  - id: support", "  - id: 2support",
     "line 4: bad id '2support' of dimension '2support'"),
    ("kind: with_without", "kind: withwithout",
     "line 15: table '10' has the unknown kind 'withwithout'; use one of with_without, "
     "support_characteristics, topics, frequencies, latency, participation"),
    ("dimension: support, title", "dimension: nudge, title",
     "line 15: table '10' refers to the unknown dimension 'nudge'; use one of support"),
    ("title: T}", "title: T, rows: [info, quiz]}",
     "line 15: table '10' lists the unknown code 'quiz' in rows; the codes of dimension "
     "'support' are emotional, info"),
    ("title: T}", "title: T, labels: {quiz: Quizzes}}",
     "line 15: table '10' lists the unknown code 'quiz' in labels"),
    ("dimension: support, title: T}", "title: T}",
     "line 15: table '10' has no dimension; a with_without table needs 'dimension: ID'"),
    ("title: T}", "title: T, option: {a: 1}}",
     "line 15: unknown key 'option' in table '10'; did you mean 'options'?"),
    ("name: t\n", "name: t\nname: u\n",
     "line 2: the codebook has the key 'name' twice; keep one of them"),
    ("        label: Emotional", "        label: Emotional\n        keywords: [a, b]",
     "line 10: the keywords of code 'emotional' of dimension 'support' must map languages "
     "to word lists"),
    ("        label: Emotional", "        label: Emotional\n        keywords: {German: [a]}",
     "line 10: bad language 'German' in the keywords of code 'emotional'"),
    ("        label: Emotional", "        label: Emotional\n        include: [{a: 1}]",
     "line 10: the include of code 'emotional' of dimension 'support' must be a list of "
     "non-empty texts"),
    ("        definition: Care.", '        definition: "Care.\\x01"',
     "line 10: the definition of code 'emotional' of dimension 'support' contains a control "
     "character ('\\x01')"),
    ("title: T}\n", "title: T}\n  - {id: lat, kind: latency, title: L, rows: [info]}\n",
     "line 16: table 'lat' has rows or labels but no dimension"),
    ("title: T}\n", "title: T}\n  - {id: \"10\", kind: latency, title: L}\n",
     "line 16: duplicate table id '10' (first on line 15)"),
    ("    codes:\n", "    codes: []\n    old_codes:\n",
     "line 7: dimension 'support' has an empty list of codes"),
])
def test_each_problem_is_reported_with_its_line(tmp_path, old, new, message):
    assert old in BASE
    with pytest.raises(CodebookError, match=re.escape(message)):
        load_text(tmp_path, BASE.replace(old, new, 1))


def test_every_problem_of_a_file_is_reported_at_once():
    path = FIX / "all_problems.yaml"
    with pytest.raises(Problems) as info:
        load_codebook(path)
    assert isinstance(info.value, CodebookError)
    assert str(info.value).startswith(f"{path}: the codebook has 11 problems:")
    found = [(p.where.line, p.message) for p in info.value.problems]
    assert found == [
        (7, "unknown key 'mutiple' in dimension 'support'"),
        (5, "dimension 'support' has no multiple"),
        (9, "bad id 'Emotional' of code 'Emotional' of dimension 'support'"),
        (11, "code 'Emotional' of dimension 'support' has an empty definition"),
        (15, "duplicate code id 'c' in dimension 'support' (first on line 14)"),
        (14, "code 'c' of dimension 'support' has the unknown parent 'zz'"),
        (12, "the parents in dimension 'support' form a cycle: a -> b -> a"),
        (16, "duplicate dimension id 'support' (first on line 5)"),
        (21, "table '7' has the unknown kind 'with-without'"),
        (22, "table '8' refers to the unknown dimension 'nudge'"),
        (23, "table '9' lists the unknown code 'q' in rows"),
    ]
    # every line the fixture marks with "<-" has a problem
    marked = {i for i, line in enumerate(path.read_text().splitlines(), 1) if "# <-" in line}
    assert marked <= {line for line, _ in found}


def test_yaml_syntax_error_names_line_and_column():
    path = FIX / "syntax_error.yaml"
    with pytest.raises(CodebookError, match=re.escape(
            f"{path}, line 5: not valid YAML: mapping values are not allowed here "
            "(column 11); check the indentation")):
        load_codebook(path)


@pytest.mark.parametrize(("text", "message"), [
    ("", "the codebook file is empty"),
    ("- a\n- b\n", "the codebook must be a mapping of keys to values, not a list"),
    ("name: t\nversion: '1'\n", "the codebook has no list of dimensions"),
])
def test_files_that_are_no_codebook(tmp_path, text, message):
    with pytest.raises(CodebookError, match=re.escape(message)):
        load_text(tmp_path, text)


def test_missing_file(tmp_path):
    with pytest.raises(CodebookError, match=re.escape(
            f"{tmp_path / 'nope.yaml'}: codebook file not found")):
        load_codebook(tmp_path / "nope.yaml")


def test_none_is_reserved_in_single_choice_dimensions(tmp_path):
    """Coding sheets use 'none' in a single-choice dropdown for 'coded, no code'."""
    path = tmp_path / "cb.yaml"
    path.write_text(
        "name: t\nversion: '1'\ndimensions:\n"
        "  - id: topic\n    label: Topic\n    multiple: false\n    codes:\n"
        "      - {id: none, label: No topic, definition: nothing}\n"
        "  - id: tags\n    label: Tags\n    multiple: true\n    codes:\n"
        "      - {id: none, label: None, definition: allowed where several codes apply}\n",
        encoding="utf-8")
    with pytest.raises(CodebookError, match=re.escape("the code id 'none' is reserved in "
                                                      "single-choice dimension 'topic'")):
        load_codebook(path)
