"""Pseudonymization at ingest (--pseudonymize KEYFILE) and scrubbing (--scrub).

The fixture export (tests/fixtures/pseudonymize/export, canonical CSV folder) is hand-made:
names in authors, reactions, src_user_* columns, @-mentions and message texts. Every expected
pseudonym and text below is worked out by hand from the rules in chatcode.pseudonymize.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import chatcode
from chatcode.corpus import schema as S
from chatcode.corpus.pseudonymize import (
    PseudonymKey,
    check_key_path,
    pseudonymize,
    read_key,
    scrub_texts,
    write_key,
)
from chatcode.errors import IngestError

FIX = Path(__file__).parents[1] / "fixtures" / "pseudonymize"
EXPORT = FIX / "export"
EXPORT2 = FIX / "export2"
ROLES = FIX / "roles.yaml"

# every name, user name, id and e-mail of the fixture (and parts of them)
ORIGINALS = [
    "Anna Berger", "Anna", "Berger", "anna.mod", "u-anna-7x", "anna.berger@example.org",
    "Ben Kowalski", "Kowalski", "benk", "u-ben-3q", "ben.k@example.org",
    "Cleo Novak", "Cleo", "Novak", "cleo.n", "u-cleo-9z", "cleo@example.org",
    "study.team", "u-team-1a", "team@example.org", "reminder-bot", "r3m1nd3rb0t",
    "Dora Xu", "Dora", "u-dora-5k", "dora.x",
]
# in order of first appearance: p02 and p05 share 08:00, p02 has the lower post id
EXPECTED_AUTHORS = {"p02": "P01", "p05": "M01", "p03": "P02", "p07": "P02", "p01": "T01",
                    "p04": "B01", "p06": "system"}
EXPECTED_TEXTS = {
    "p07": "@[user] welcome, P01! Hope it helps, M01 said so",
    "p05": "Welcome everyone! I am M01. Mail me at M01",
    "p02": "Hi @M01, P01 here. Call me on 0660/1234567 after 08:15",
    "p03": "Thanks M01! My value was 120 mg/dl on 02/05/2023. P02",
    "p01": "Reminder from the team: see https://example.org/study and @P01 @[user] @all",
    "p04": "Log your values +1",
    "p06": "P02 joined the channel",
}


def ingest(export=EXPORT, key=None, **kwargs):
    return chatcode.ingest_report(export, timezone="UTC", pseudonymize=key, **kwargs)


def by_id(corpus, column):
    return dict(zip(corpus.posts[S.POST_ID], corpus.posts[column], strict=True))


# --- pseudonyms -----------------------------------------------------------------------------
def test_authors_get_pseudonyms_by_role_in_order_of_first_appearance(tmp_path):
    corpus, report = ingest(key=tmp_path / "key.yaml", roles=ROLES)
    assert by_id(corpus, S.AUTHOR) == EXPECTED_AUTHORS
    # reactions: Ben and Cleo keep theirs; Dora only reacts, so she is the next participant
    assert corpus.reactions[S.AUTHOR].tolist() == ["P03", "P01", "P02"]
    assert corpus.reactions["src_user_id"].tolist() == ["P03", "P01", "P02"]
    assert "pseudonymized 6 authors (6 new in the key file)" in report
    assert any("store it apart from the data" in line for line in report)


def test_names_mentions_and_emails_in_texts_are_replaced(tmp_path):
    corpus, report = ingest(key=tmp_path / "key.yaml", roles=ROLES)
    assert by_id(corpus, S.TEXT) == EXPECTED_TEXTS
    for col in ("src_user_id", "src_user_email", "src_username"):
        got = by_id(corpus, col)
        assert {k: got[k] for k in EXPECTED_AUTHORS if k not in ("p04", "p06")} == {
            k: v for k, v in EXPECTED_AUTHORS.items() if k not in ("p04", "p06")}
    assert by_id(corpus, "src_user_type")["p04"] == "bot"  # not a user name: kept
    # texts: @[user], P01, M01 (p07); M01, M01 (p05); @M01, P01 (p02); M01, P02 (p03);
    # @P01, @[user] (p01); P02 (p06). Whole identity cells are not counted.
    assert "replaced 12 name(s) in texts and src_ columns (4 of them @-mentions)" in report


def test_first_name_shared_by_two_people_is_not_replaced():
    """The documented limit: an ambiguous first name stays; full names are replaced."""
    posts = pd.DataFrame({
        S.POST_ID: ["1", "2", "3"], S.GROUP: "g",
        S.TIMESTAMP: ["2023-05-02T08:00:00Z", "2023-05-02T08:01:00Z", "2023-05-02T08:02:00Z"],
        S.AUTHOR: ["Anna Berger", "Anna Schmidt", "Ben Ott"],
        S.TEXT: ["hi", "hello", "Thanks Anna, and anna schmidt too; Ben agrees"]})
    result = pseudonymize(chatcode.Corpus(posts))
    assert result.corpus.posts[S.AUTHOR].tolist() == ["P01", "P02", "P03"]
    assert result.corpus.posts[S.TEXT].iloc[2] == "Thanks Anna, and P02 too; P03 agrees"
    assert result.new == 3 and result.authors == 3


def test_the_callers_key_and_corpus_are_not_changed():
    posts = pd.DataFrame({S.POST_ID: ["1"], S.TIMESTAMP: ["2023-05-02T08:00:00Z"],
                          S.AUTHOR: ["anna"], S.TEXT: ["hi"], S.GROUP: "g"})
    corpus = chatcode.Corpus(posts)
    key = PseudonymKey()
    result = pseudonymize(corpus, key=key)
    assert key.pseudonyms == {} and corpus.posts[S.AUTHOR].tolist() == ["anna"]
    assert result.key.pseudonyms == {"anna": "P01"}


def test_numbering_does_not_depend_on_the_row_order(tmp_path):
    shuffled = tmp_path / "shuffled"
    shutil.copytree(EXPORT, shuffled)
    lines = (EXPORT / "posts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (shuffled / "posts.csv").write_text(lines[0] + "".join(reversed(lines[1:])),
                                        encoding="utf-8")
    ingest(key=tmp_path / "a.yaml", roles=ROLES)
    corpus, _ = ingest(shuffled, key=tmp_path / "b.yaml", roles=ROLES)
    assert by_id(corpus, S.AUTHOR) == EXPECTED_AUTHORS
    assert read_key(tmp_path / "a.yaml") == read_key(tmp_path / "b.yaml")


# --- the key file ---------------------------------------------------------------------------
def test_the_key_file_holds_every_original(tmp_path):
    key = tmp_path / "key.yaml"
    ingest(key=key, roles=ROLES)
    data = yaml.safe_load(key.read_text(encoding="utf-8"))
    assert data["counters"] == {"M": 1, "P": 3, "T": 1, "B": 1}
    assert data["pseudonyms"] == {
        "Ben Kowalski": "P01", "u-ben-3q": "P01", "ben.k@example.org": "P01", "benk": "P01",
        "Anna Berger": "M01", "u-anna-7x": "M01", "anna.berger@example.org": "M01",
        "anna.mod": "M01",
        "Cleo Novak": "P02", "u-cleo-9z": "P02", "cleo@example.org": "P02", "cleo.n": "P02",
        "study.team": "T01", "u-team-1a": "T01", "team@example.org": "T01",
        "reminder-bot": "B01", "r3m1nd3rb0t": "B01",
        "Dora Xu": "P03", "u-dora-5k": "P03"}


def test_a_second_ingest_reuses_the_key_and_extends_it(tmp_path):
    key = tmp_path / "key.yaml"
    ingest(key=key, roles=ROLES)
    first = read_key(key).pseudonyms
    # no roles file now: Anna (author 'anna.mod' here) is still M01, found by her user name
    corpus, report = ingest(EXPORT2, key=key)
    assert by_id(corpus, S.AUTHOR) == {"q1": "P04", "q2": "P01", "q3": "M01"}
    assert by_id(corpus, S.TEXT) == {"q1": "Hello, I'm new. Is P01 still here?",
                                     "q2": "Yes! Welcome P04", "q3": "Welcome P04, write to M01"}
    assert "pseudonymized 3 authors (1 new in the key file)" in report
    second = read_key(key)
    assert second.pseudonyms == {**first, "Eva Lang": "P04", "u-eva-2w": "P04"}
    assert second.counters["P"] == 4


def test_an_existing_key_is_merged_never_overwritten(tmp_path):
    key = tmp_path / "key.yaml"
    key.write_text("counters: {M: 0, P: 7, T: 0, B: 0}\n"
                   "pseudonyms:\n  Zoe Old: P07\n  'no': P02\n", encoding="utf-8")
    corpus, _ = ingest(key=key)  # no roles: everyone but the bot is a participant
    assert by_id(corpus, S.AUTHOR)["p02"] == "P08"   # Ben
    assert by_id(corpus, S.AUTHOR)["p05"] == "P09"   # Anna
    saved = read_key(key)
    assert saved.pseudonyms["Zoe Old"] == "P07" and saved.pseudonyms["no"] == "P02"
    assert saved.counters["P"] == 12  # Ben, Anna, Cleo, study.team, Dora: P08..P12


def test_a_pseudonymized_corpus_ingested_again_keeps_its_pseudonyms(tmp_path):
    key = tmp_path / "key.yaml"
    corpus, _ = ingest(key=key, roles=ROLES)
    chatcode.write_corpus(corpus, tmp_path / "corpus")
    again, report = ingest(tmp_path / "corpus", key=key)
    assert by_id(again, S.AUTHOR) == EXPECTED_AUTHORS
    assert by_id(again, S.TEXT) == EXPECTED_TEXTS
    assert "pseudonymized 6 authors (0 new in the key file)" in report


@pytest.mark.parametrize(("text", "message"), [
    ("pseudonyms: {anna: X1}\n", "'X1' is not a pseudonym; pseudonyms are M01, P01, T01 or "
     "B01 and so on"),
    ("pseudonyms: [anna, ben]\n", "the key file does not map names to pseudonyms"),
    ("pseudonyms: {anna: P01\n", "the key file is not valid YAML"),
    ("counters: {P: many}\npseudonyms: {anna: P01}\n", "the counter of 'P' is 'many'"),
])
def test_a_broken_key_file_is_reported_before_any_work(tmp_path, text, message):
    key = tmp_path / "key.yaml"
    key.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(message)):
        ingest(tmp_path / "no-such-export.csv", key=key)
    assert key.read_text(encoding="utf-8") == text


def test_write_key_refuses_a_key_changed_meanwhile(tmp_path):
    path = tmp_path / "key.yaml"
    write_key(PseudonymKey({"anna": "P01"}, {"M": 0, "P": 1, "T": 0, "B": 0}), path)
    with pytest.raises(IngestError, match=re.escape(
            "the key file gives 1 name(s) other pseudonyms than this ingest")):
        write_key(PseudonymKey({"anna": "P02"}, {"M": 0, "P": 2, "T": 0, "B": 0}), path)
    assert read_key(path).pseudonyms == {"anna": "P01"}


@pytest.mark.parametrize("out", ["corpus.xlsx", "corpus"])
def test_a_key_inside_the_output_is_refused(tmp_path, out):
    key = tmp_path / out if out.endswith(".xlsx") else tmp_path / out / "key.yaml"
    with pytest.raises(IngestError, match=re.escape(
            "the key file would be written into the output, next to the pseudonymized data; "
            "store the key apart from the corpus")):
        check_key_path(key, tmp_path / out)


# --- every output file, searched byte by byte -----------------------------------------------
def output_texts(out: Path) -> list[str]:
    """Every file written, as text: xlsx members unzipped; Parquet also read cell by cell."""
    files = [out] if out.is_file() else sorted(p for p in out.rglob("*") if p.is_file())
    texts = []
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                texts += [zf.read(n).decode("utf-8", "replace") for n in zf.namelist()]
        else:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            texts.append(str(table.schema.metadata))
            texts += [str(v) for col in table.columns for v in col.to_pylist()]
    return texts


@pytest.mark.parametrize("out_name", ["corpus.xlsx", "corpus", "corpus.parquet"])
def test_no_output_file_holds_any_original(tmp_path, cli, out_name):
    share, keys = tmp_path / "share", tmp_path / "keys"
    share.mkdir()
    keys.mkdir()
    out, key = share / out_name, keys / "key.yaml"
    run = cli("ingest", EXPORT, "-o", out, "--roles", ROLES, "--pseudonymize", key,
              "--timezone", "UTC")
    assert run.returncode == 0, run.stderr
    assert "pseudonymized 6 authors (6 new in the key file)" in run.stderr
    assert sorted(p.name for p in share.iterdir()) == [out_name]
    texts = output_texts(out)
    assert any("M01" in t for t in texts) and any("P03" in t for t in texts)
    for original in ORIGINALS:
        assert not any(original.casefold() in t.casefold() for t in texts), original
    key_text = key.read_text(encoding="utf-8")
    for original in ORIGINALS:
        if original not in ("Anna", "Berger", "Kowalski", "Cleo", "Novak", "Dora", "dora.x"):
            assert original in key_text
    assert by_id(chatcode.read_corpus(out), S.AUTHOR) == EXPECTED_AUTHORS


def test_cli_refuses_the_key_as_the_output_and_warns_beside_it(tmp_path, cli):
    out = tmp_path / "corpus.xlsx"
    run = cli("ingest", EXPORT, "-o", out, "--pseudonymize", out, "--timezone", "UTC")
    assert run.returncode == 1
    assert "the key file would be written into the output" in run.stderr
    assert not out.exists()
    run = cli("ingest", EXPORT, "-o", out, "--pseudonymize", tmp_path / "key.yaml",
              "--scrub", "phone,url", "--scrub", "email", "--timezone", "UTC")
    assert run.returncode == 0, run.stderr
    assert "warning: the key file" in run.stderr and "is in the same folder" in run.stderr
    assert "scrubbed 1 phone number(s), 1 e-mail address(es), 1 URL(s)" in run.stderr


# --- scrubbing ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("call +43 660 1234567 today", "call [phone] today"),
    ("0660/1234567.", "[phone]."),
    ("(0)660 1234567", "[phone]"),
    ("+43 (0)660 1234567", "[phone]"),
    ("0043 660 1234567", "[phone]"),
    ("Tel:030-12345678", "Tel:[phone]"),
    ("at 10:05 0660 1234567", "at 10:05 [phone]"),
    ("mail anna@example.org!", "mail [email]!"),
    ("see https://example.org/a?b=1).", "see [url])."),
    ("www.diabetes-austria.at.", "[url]."),
])
def test_scrub_replaces(text, expected):
    got, _ = scrub_texts(pd.Series([text], dtype="str"))
    assert got.iloc[0] == expected


@pytest.mark.parametrize("text", [
    "on 02/05/2023 at 08:15", "02.05.2023", "2023-05-02", "02-05-2023", "120 mg/dl",
    "5.6 mmol/l", "0.5 IE", "HbA1c 6,5 %", "+1 same here", "05 10 15 20", "120/80",
    "ids 1002003004", "up 0,5 units at 07:30", "dose 08 10 12 units",
])
def test_scrub_leaves_dates_times_and_values(text):
    got, counts = scrub_texts(pd.Series([text], dtype="str"))
    assert got.iloc[0] == text
    assert counts == {"phone": 0, "email": 0, "url": 0}


def test_scrub_counts_each_kind_per_occurrence():
    texts = pd.Series(["+43 660 1234567 or 0660/7654321", "a@b.org, https://x.org", None,
                       "a@b.org, https://x.org"], dtype="str")
    got, counts = scrub_texts(texts, kinds=["phone,email"])
    assert counts == {"phone": 2, "email": 2}
    assert got.tolist()[:2] == ["[phone] or [phone]", "[email], https://x.org"]
    assert pd.isna(got.iloc[2]) and got.iloc[3] == got.iloc[1]


def test_names_are_counted_per_occurrence():
    posts = pd.DataFrame({
        S.POST_ID: ["1", "2", "3"], S.GROUP: "g",
        S.TIMESTAMP: ["2023-05-02T08:00:00Z", "2023-05-02T08:01:00Z", "2023-05-02T08:02:00Z"],
        S.AUTHOR: ["anna", "ben", "ben"], S.TEXT: ["hi @ben", "hi anna", "hi anna"]})
    result = pseudonymize(chatcode.Corpus(posts))
    assert result.corpus.posts[S.TEXT].tolist() == ["hi @P02", "hi P01", "hi P01"]
    assert (result.names_in_texts, result.mentions) == (3, 1)


def test_scrub_at_ingest_without_pseudonyms(tmp_path):
    corpus, report = chatcode.ingest_report(EXPORT, timezone="UTC", scrub=["phone", "email",
                                                                            "url"])
    assert "scrubbed 1 phone number(s), 1 e-mail address(es), 1 URL(s)" in report
    texts = by_id(corpus, S.TEXT)
    assert texts["p02"] == "Hi @anna.mod, Ben here. Call me on [phone] after 08:15"
    assert texts["p01"] == "Reminder from the team: see [url] and @benk @dora.x @all"
    assert by_id(corpus, S.AUTHOR)["p05"] == "Anna Berger"  # scrubbing alone keeps names


def test_an_unknown_scrub_kind_is_an_error():
    with pytest.raises(IngestError, match=re.escape(
            "cannot scrub 'fax'; use any of phone, email, url, e.g. --scrub phone,email")):
        chatcode.ingest(EXPORT, timezone="UTC", scrub=["phone,fax"])


def test_a_key_equal_to_an_export_is_refused(tmp_path):
    export = tmp_path / "chat.csv"
    with pytest.raises(IngestError, match=re.escape(
            "the key file is one of the exports being read; give a separate key file")):
        check_key_path(export, tmp_path / "corpus.xlsx", [tmp_path / "other.csv", export])
    check_key_path(tmp_path / "keys" / "key.yaml", tmp_path / "corpus", [export])  # fine
