"""``chatcode tables`` and ``chatcode report`` as a user runs them: in a subprocess where the
exit code and the split of stdout and stderr matter, else in-process (CliRunner, faster)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from chatcode.cli import app

HERE = Path(__file__).parents[1] / "fixtures" / "tables"
CORPUS, CODES, CODEBOOK = HERE / "corpus", HERE / "codes.csv", HERE / "codebook.yaml"
BASE = (CORPUS, CODES, "--codebook", CODEBOOK)


def invoke(*args: object):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_default_output_is_a_table_for_people():
    r = invoke("tables", *BASE, "--table", "7")
    assert "Table 7. Responses to nudging approaches" in r.stdout
    assert "4.00**" in r.stdout and "Mann-Whitney U test" in r.stdout


def test_json_is_the_only_thing_on_stdout(cli, tmp_path):
    codes = pd.read_csv(CODES, dtype=str)
    fewer = tmp_path / "codes.csv"
    codes[codes["post_id"] != "18"].to_csv(fewer, index=False)
    r = cli("tables", CORPUS, fewer, "--codebook", CODEBOOK, "--format", "json",
            "--table", "10,latency", "--test", "welch")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [t["id"] for t in doc["tables"]] == ["10", "latency"]
    assert doc["tables"][0]["test"].startswith("Welch's t-test")
    assert "1 of the 18 posts of the corpus have no codes" in r.stderr
    strict = cli("tables", CORPUS, fewer, "--codebook", CODEBOOK, "--strict")
    assert strict.returncode == 1 and "error:" in strict.stderr and strict.stdout == ""


def test_csv_and_markdown():
    r = invoke("tables", *BASE, "-f", "csv", "-t", "9")
    assert r.stdout.splitlines()[0].startswith("table,code,label,n,pct_of_support_posts")
    md = invoke("tables", *BASE, "-f", "md", "-t", "11")
    assert "| Healthy eating | 6 | 33.3 | 1.00 (1.549) |" in md.stdout


def test_workbook_needs_a_file_and_is_not_overwritten(cli, tmp_path):
    from openpyxl import load_workbook

    assert cli("tables", *BASE, "-f", "xlsx").returncode == 2
    out = tmp_path / "tables.xlsx"
    r = cli("tables", *BASE, "-o", out, "--adjust", "holm")
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}: 5 table(s)" in r.stderr and r.stdout == ""
    wb = load_workbook(out)
    assert wb.sheetnames == ["Table 10", "Table 9", "Table 11", "Table 7", "Reply delay",
                             "Provenance"]
    prov = dict(wb["Provenance"].iter_rows(min_row=2, values_only=True))
    assert prov["option adjust"] == "holm" and prov["coder"] == "A"
    again = cli("tables", *BASE, "-o", out)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_bad_input_gives_one_clear_error(cli, tmp_path):
    r = cli("tables", *BASE, "--table", "12")
    assert r.returncode == 1
    assert "declares no table '12'" in r.stderr and "Traceback" not in r.stderr
    two = tmp_path / "two.csv"
    codes = pd.read_csv(CODES, dtype=str)
    pd.concat([codes, codes.assign(coder="B")]).to_csv(two, index=False)
    r = cli("tables", CORPUS, two, "--codebook", CODEBOOK)
    assert r.returncode == 1
    assert "the codes hold 2 coder/pass combinations: A/main, B/main" in r.stderr
    invoke("tables", CORPUS, two, "--codebook", CODEBOOK, "--coder", "B", "-t", "9")
    assert cli("tables", *BASE, "--test", "chi2").returncode == 2


def test_report_writes_the_folder(cli, tmp_path):
    out = tmp_path / "report"
    invoke("report", *BASE, "-o", out)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["chatcode.json", "figures", "methods.md", "report.docx", "report.html",
                     "tables.json", "tables.xlsx"]
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == sorted(f"table_{t}.{ext}" for t in ("10", "11", "7", "latency",
                                                          "participation", "network",
                                                          "time_to_response")
                             for ext in ("png", "svg"))
    assert cli("report", *BASE, "-o", out).returncode == 1
    invoke("report", *BASE, "-o", out, "--force", "-t", "9")
    assert json.loads((out / "tables.json").read_text())["tables"][0]["id"] == "9"
