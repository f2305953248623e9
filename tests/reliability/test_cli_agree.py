"""``chatcode agree``: table, JSON and CSV output, the kappa gate, the disagreement round trip.

Runs ``python -m chatcode`` in a subprocess (the ``cli`` fixture), as a user would. The
fixtures are described in test_disagreements.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sklearn.metrics import cohen_kappa_score

from chatcode.codebook import load_codebook
from chatcode.coding.selection import Selection
from chatcode.coding.sheets import write_sheet

FIXTURES = Path(__file__).parents[1] / "fixtures" / "agreement"
CB = FIXTURES / "codebook.yaml"
ANNA, BEN = FIXTURES / "codes_anna.csv", FIXTURES / "codes_ben.csv"
JSON_FIELDS = ["dimension", "code", "n", "percent_agreement", "kappa", "kappa_ci_low",
            "kappa_ci_high", "pabak", "ac1", "alpha"]


def vector(path: Path, code: str, posts: list[str]) -> list[int]:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    value = {r["post_id"]: int(r["value"]) for r in rows if r["code"] == code}
    return [value[p] for p in posts]


def test_table_shows_every_code_with_labels_and_notes(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: one line per code
    res = cli("agree", ANNA, BEN, "--codebook", CB)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Agreement of anna/main, ben/pretest on 6 post(s)" in out
    assert re.search(r"informational\s*│\s*6\s*│\s*100\.0\s*│\s*1\.000 \[1\.000, 1\.000\]", out)
    assert "almost perfect" in out and "rare" in out and "Landis & Koch" in out
    assert "Single-choice dimensions" in out
    assert "note: anna/main coded 8, ben/pretest coded 6 post(s)" in res.stderr
    assert "2 post(s) coded by anna/main but not by every other coder are left out" \
        in res.stderr


def test_json_is_the_only_thing_on_stdout(cli):
    res = cli("agree", ANNA, BEN, "--codebook", CB, "--format", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["coders"] == ["anna/main", "ben/pretest"] and doc["n_units"] == 6
    codes = {r["code"]: r for r in doc["codes"]}
    assert list(codes["emotional"])[:10] == JSON_FIELDS
    posts = [f"p{i}" for i in range(1, 7)]
    ref = cohen_kappa_score(vector(ANNA, "emotional", posts), vector(BEN, "emotional", posts))
    assert codes["emotional"]["kappa"] == pytest.approx(ref, abs=1e-12)
    assert codes["medical"]["rare"] is True
    assert [d["dimension"] for d in doc["dimensions"]] == ["topic"]
    assert {"dimension", "n", "kappa", "alpha"} <= set(doc["dimensions"][0])


def test_csv_has_one_row_per_code_with_the_contract_fields_first(cli):
    res = cli("agree", ANNA, BEN, "--codebook", CB, "--format", "csv")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0])[:10] == JSON_FIELDS
    assert [r["code"] for r in rows] == ["informational", "emotional", "medical", "nutrition",
                                         "activity"]
    assert float(rows[0]["kappa"]) == 1.0


def test_min_kappa_fails_naming_the_codes_below(cli):
    res = cli("agree", ANNA, BEN, "--codebook", CB, "--min-kappa", "0.8", "--format", "json")
    assert res.returncode == 1
    json.loads(res.stdout)  # the document is still written
    assert "error: 5 of 6 code(s) and dimension(s) below kappa 0.8: " in res.stderr
    assert "support:medical: kappa 0.000 < 0.8" in res.stderr
    assert "topic (nominal): kappa" in res.stderr
    assert "support:informational" not in res.stderr.split("error:")[1]


def test_min_kappa_passes_codes_that_never_vary_unless_variation_is_required(cli, tmp_path):
    anna = ANNA.read_text(encoding="utf-8")
    retest = anna.replace(",main,", ",retest,")
    (tmp_path / "retest.csv").write_text(retest, encoding="utf-8")
    args = ("agree", ANNA, tmp_path / "retest.csv", "--codebook", CB, "--min-kappa", "0.8")
    res = cli(*args)
    assert res.returncode == 0, res.stderr
    assert "every code and single-choice dimension reaches kappa 0.8; 1 code(s) never " \
        "vary and pass: support:medical" in res.stderr
    res = cli(*args, "--require-variation")
    assert res.returncode == 1
    assert "support:medical: kappa undefined (code never used)" in res.stderr


def test_output_file_and_no_overwrite(cli, tmp_path):
    out = tmp_path / "agree.json"
    assert cli("agree", ANNA, BEN, "--codebook", CB, "-f", "json", "-o", out).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["n_units"] == 6
    res = cli("agree", ANNA, BEN, "--codebook", CB, "-f", "json", "-o", out)
    assert res.returncode == 1 and "the output already exists" in res.stderr
    assert cli("agree", ANNA, BEN, "--codebook", CB, "-o", out, "--force").returncode == 0


def test_errors_exit_1_and_usage_exits_2(cli, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text(re.sub(r"(?m)^p(\d)", r"q\1", BEN.read_text(encoding="utf-8")),
                     encoding="utf-8")
    res = cli("agree", ANNA, other, "--codebook", CB)
    assert res.returncode == 1
    assert "the coders have no post in common (anna/main 8 post(s), ben/pretest 6 post(s))" \
        in res.stderr
    assert cli("agree", ANNA, BEN, "--codebook", CB, "--format", "xml").returncode == 2
    assert cli("agree", ANNA, BEN).returncode == 2


def test_disagreements_round_trip_into_a_consensus_pass(cli, tmp_path):
    book = tmp_path / "discuss.xlsx"
    res = cli("agree", ANNA, BEN, "--codebook", CB, "--disagreements", book,
              "--corpus", FIXTURES / "corpus")
    assert res.returncode == 0, res.stderr
    assert f"wrote {book}: 3 post/dimension pair(s) to settle (3 post(s))" in res.stderr
    wb = load_workbook(book)
    ws = wb["disagreements"]
    assert ws["E2"].value.startswith("After my walk")
    for r, answer in zip((2, 3, 4), ("informational", "medical", "activity"), strict=True):
        ws.cell(r, 9).value = answer
    wb.save(book)
    res = cli("agree", BEN, book, "--codebook", CB, "--format", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["coders"] == ["ben/pretest", "consensus/consensus"]
    assert doc["n_units"] == 6
    # the consensus sided with ben on every disputed pair: full agreement with ben
    assert all(r["percent_agreement"] == 1.0 for r in doc["codes"])


def fill_sheet(path: Path, codes: Path) -> None:
    """Type a coder's codes (from a codes CSV) into a coding sheet, as a coder would."""
    rows = list(csv.DictReader(io.StringIO(codes.read_text(encoding="utf-8"))))
    wanted = {(r["post_id"], r["dimension"], r["code"]): r["value"] for r in rows}
    wb = load_workbook(path)
    ws = wb["coding"]
    headers = [c.value for c in ws[1]]
    for r in range(3, ws.max_row + 1):
        post = ws.cell(r, 1).value
        for col, header in enumerate(headers, 1):
            if header.startswith("support:"):
                ws.cell(r, col).value = int(wanted[(post, "support", header.split(":")[1])])
            elif header == "topic":
                chosen = [c for c in ("nutrition", "activity")
                          if wanted[(post, "topic", c)] == "1"]
                ws.cell(r, col).value = chosen[0] if chosen else "none"
    wb.save(path)


def test_agree_on_two_filled_coding_sheets(cli, tmp_path):
    cb = load_codebook(CB)
    anna, ben = tmp_path / "anna.xlsx", tmp_path / "ben.xlsx"
    write_sheet(FIXTURES / "corpus", cb, anna, coder="anna", timezone="UTC")
    write_sheet(FIXTURES / "corpus", cb, ben, coder="ben", pass_="pretest", timezone="UTC",
                selection=Selection("first", pct=75, group="g1"))
    fill_sheet(anna, ANNA)
    fill_sheet(ben, BEN)
    sheets = cli("agree", anna, ben, "--codebook", CB, "--format", "json")
    tables = cli("agree", ANNA, BEN, "--codebook", CB, "--format", "json")
    assert sheets.returncode == 0, sheets.stderr
    assert json.loads(sheets.stdout)["codes"] == json.loads(tables.stdout)["codes"]
    human = cli("agree", anna, ben, "--codebook", CB)
    assert "Agreement of anna/main, ben/pretest on 6 post(s)" in human.stdout


def test_three_coders_show_every_pair(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: one line per code
    cleo = tmp_path / "cleo.csv"
    cleo.write_text(ANNA.read_text(encoding="utf-8").replace("anna,main", "cleo,main"),
                    encoding="utf-8")
    res = cli("agree", ANNA, BEN, cleo, "--codebook", CB, "--bootstrap", "50", "--seed", "2")
    assert res.returncode == 0, res.stderr
    assert "(Conger's kappa)" in res.stdout and "Fleiss" in res.stdout
    assert "anna/main – ben/pretest" in res.stdout and "ben/pretest – cleo/main" in res.stdout
    doc = json.loads(cli("agree", ANNA, BEN, cleo, "--codebook", CB, "-f", "json").stdout)
    assert len({(p["coder_a"], p["coder_b"]) for p in doc["pairs"]}) == 3
    assert {"fleiss_kappa", "conger_kappa", "alpha_pairable"} <= set(doc["codes"][0])
