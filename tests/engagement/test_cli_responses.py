"""``chatcode responses`` and ``chatcode latency``.

Expected numbers are the hand-computed ones of test_engagement.py / test_latency.py on the
fixture corpus tests/fixtures/responses/corpus. Most runs use typer's CliRunner (in
process); the ones about what reaches stdout/stderr and the exit codes of errors run
``python -m chatcode`` in a subprocess, as a user would.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatcode.cli import app
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeWarning

CORPUS = Path(__file__).parents[1] / "fixtures" / "responses" / "corpus"
HEADER_CSV = ("post_id,group,replies,reactions,reply_reactions,responses,"
                "first_response_hours")


def invoke(*args: object):
    """Run the CLI in process; the fixture always warns (uncounted replies/reactions)."""
    with pytest.warns(ChatcodeWarning):
        result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result


def csv_rows(text: str) -> dict[str, dict[str, str]]:
    return {row["post_id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_responses_json_is_the_only_thing_on_stdout(cli):
    r = cli("responses", CORPUS, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # fails if anything else is on stdout
    rows = {row["post_id"]: row for row in doc["rows"]}
    assert list(doc["rows"][0]) == list(S.RESPONSES_COLUMNS)
    assert len(rows) == 15
    assert rows["p1"] == {"post_id": "p1", "group": "G1", "replies": 2, "reactions": 2,
                          "reply_reactions": 3, "responses": 7, "first_response_hours": 0.5}
    assert rows["p2"]["first_response_hours"] == 10 / 60  # unrounded
    assert rows["p4"]["first_response_hours"] is None  # no response: null, not NaN
    assert "warning: not counted as responses: 1 reaction(s) on posts not in the corpus" \
        in r.stderr


def test_responses_csv_header_is_the_contract_and_options_apply():
    r = invoke("responses", CORPUS, "--format", "csv", "--include-self",
               "--responders", "participants")
    assert r.stdout.splitlines()[0] == HEADER_CSV
    rows = csv_rows(r.stdout)
    # p10 with include_self and participants: replies dora + erik's own, reactions dora +
    # zoe, reply reaction erik on p12; first response zoe after 20 min
    assert [rows["p10"][c] for c in ("replies", "reactions", "reply_reactions",
                                     "responses")] == ["2", "2", "1", "5"]
    assert float(rows["p10"]["first_response_hours"]) == pytest.approx(1 / 3)
    assert rows["p5"]["first_response_hours"] == ""  # only p6 counts, before its parent


def test_responses_count_option():
    rows = csv_rows(invoke("responses", CORPUS, "-f", "csv", "--count", "replies").stdout)
    assert rows["p1"]["responses"] == "2" and rows["p1"]["reactions"] == "2"
    rows = csv_rows(invoke("responses", CORPUS, "-f", "csv", "--count", "replies",
                           "--count", "reply_reactions").stdout)
    assert rows["p1"]["responses"] == "5"


def test_responses_table_for_people():
    r = invoke("responses", CORPUS)
    assert "Responses per post" in r.stdout
    assert "15 posts; mean responses per post: 1.60; posts without a response: 6" in r.stdout
    assert "0 h 45 min" in r.stdout  # p5's first response


def test_out_file_is_written_once_and_replaced_only_with_force(cli, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "responses.xlsx"
    first = invoke("responses", CORPUS, "-o", target)
    assert first.stdout == ""
    assert f"wrote {target}: 15 rows" in first.stderr
    ws = load_workbook(target)["responses"]
    assert [c.value for c in ws[1]] == list(S.RESPONSES_COLUMNS)
    assert ws["A2"].value == "p1" and ws["A2"].data_type == "s"
    before = target.read_bytes()
    again = cli("responses", CORPUS, "-o", target)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert target.read_bytes() == before
    invoke("responses", CORPUS, "-o", target, "--force", "--include-self")
    assert load_workbook(target)["responses"]["F2"].value == 10  # p1 with include_self


def test_latency_json_per_contract():
    rows = json.loads(invoke("latency", CORPUS, "--by", "group", "--format", "json").stdout
                      )["rows"]
    assert [list(row) for row in rows] == [list(S.LATENCY_COLUMNS)] * 3
    assert [(row["group"], row["n"], row["formatted"]) for row in rows] == [
        ("all", 6, "7 h 57 min"), ("G1", 4, "3 h 37 min"), ("G2", 2, "16 h 38 min")]
    assert rows[0]["mean_hours"] == pytest.approx(7.95)
    assert rows[2]["q3_hours"] == pytest.approx(23.8125)


def test_latency_csv_table_and_file(tmp_path):
    lines = invoke("latency", CORPUS, "-f", "csv", "--quantile-method", "weibull"
                   ).stdout.splitlines()
    assert lines[0] == "group,n,mean_hours,median_hours,q1_hours,q3_hours,formatted"
    assert lines[1].startswith("all,6,7.95,2.375,")
    assert len(lines) == 2
    table = invoke("latency", CORPUS, "--by", "group", "--responders", "participants")
    assert "3 h 56 min" in table.stdout and "Reply latency" in table.stdout
    out = tmp_path / "latency.json"
    invoke("latency", CORPUS, "-o", out, "--include-self")
    assert json.loads(out.read_text())["rows"][0]["n"] == 8


def test_usage_and_input_errors(cli, tmp_path):
    mismatch = cli("latency", CORPUS, "-f", "json", "-o", tmp_path / "x.csv")
    assert mismatch.returncode == 2
    assert "name the output file with .json" in mismatch.stderr
    assert not (tmp_path / "x.csv").exists()
    empty = cli("responses", tmp_path)
    assert empty.returncode == 1
    assert "the folder holds no posts.csv or posts.parquet" in empty.stderr
    assert empty.stdout == ""


@pytest.mark.parametrize("command", ["responses", "latency"])
def test_help_has_an_example(command):
    r = CliRunner().invoke(app, [command, "--help"])
    assert r.exit_code == 0
    assert "Examples:" in r.stdout and f"chatcode {command} corpus.xlsx" in r.stdout


def test_reports_name_replies_inferred_from_timing(tmp_path, cli):
    """A WhatsApp corpus ingested with --infer-replies: responses and latency say so."""
    chat = tmp_path / "chat.txt"
    chat.write_text("02.05.23, 08:00 - Anna: Good morning, how are you?\n"
                    "02.05.23, 08:10 - Ben: Fine, thanks!\n"
                    "13.05.23, 09:00 - Ben: Anyone tried the recipe?\n", encoding="utf-8")
    assert cli("ingest", chat, "--infer-replies", "30", "--timezone", "UTC",
               "-o", tmp_path / "c.xlsx").returncode == 0
    for command in ("responses", "latency"):
        res = cli(command, tmp_path / "c.xlsx", "--format", "json")
        assert res.returncode == 0, res.stderr
        assert "1 of the 1 replies were inferred from timing" in res.stderr
        assert "inferred" not in res.stdout
