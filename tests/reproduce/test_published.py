"""Consistency checks of published tables (chatcode.reproduce.published,
``chatcode check-published``).

Checked against the GRIM paper's worked example, against an independent brute-force
enumeration of every data set of small integer samples, and against the DiabPeerS findings
quoted in the "reproduce" issue (group sizes implied by Tables 7 and 10).
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from chatcode.errors import Location
from chatcode.reproduce.checks import check_published
from chatcode.reproduce.published import (
    Cell,
    Printed,
    PublishedError,
    load_published,
    rounds_to,
)

ROOT = Path(__file__).parents[2]
DIABPEERS = ROOT / "data" / "samples" / "diabpeers" / "published.yaml"


def cell(mean: str, sd: str | None = None, max_value: int | None = None,
         rounding: str = "half_up") -> Cell:
    return Cell(Printed.parse(mean, Location()),
                Printed.parse(sd, Location()) if sd else None, max_value, rounding)


def test_grim_worked_example():
    """Brown & Heathers (2017), The GRIM test, Soc. Psychol. Personal. Sci. 8(4): a mean of
    5.19 from 28 integer responses is impossible (145/28 = 5.18, 146/28 = 5.21)."""
    assert not len(cell("5.19").feasible(np.array([28])))
    assert list(cell("5.18").feasible(np.array([28]))) == [28]
    assert list(cell("5.21").feasible(np.array([28]))) == [28]


def _printed(x: float, d: int) -> str:
    return str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("n", [7, 8, 9])
def test_mean_sd_feasibility_matches_brute_force(n):
    """Independent check: enumerate every multiset of n values in 0..4, print its mean (2
    decimals) and sample SD (3 decimals) half up; a printed pair is feasible iff seen."""
    seen = set()
    for values in itertools.combinations_with_replacement(range(5), n):
        seen.add((_printed(statistics.mean(values), 2), _printed(statistics.stdev(values), 3)))
    means = sorted({m for m, _ in seen})
    tried = 0
    for m in means[::3]:
        sds = sorted({s for mm, s in seen if mm == m})
        nearby = {_printed(float(s) + k / 1000, 3) for s in sds for k in (-1, 1)}
        for s in sorted(set(sds) | nearby):
            expected = (m, s) in seen
            assert bool(len(cell(m, s, 4).feasible(np.array([n])))) == expected, (m, s)
            tried += 1
    assert tried > 100


def test_small_cells_are_enumerated_exactly():
    """Medical support (Table 10): 0.67 (0.577) with 3 posts only from responses 0, 1, 1."""
    assert cell("0.67", "0.577", 12).multisets(3) == [(0, 1, 1)]


@pytest.mark.parametrize(("rounding", "ok"), [("half_up", False), ("half_even", True)])
def test_rounding_convention_at_an_exact_tie(rounding, ok):
    """1 of 8 = 0.125: printed 0.13 half up, 0.12 half to even."""
    assert bool(len(cell("0.12", rounding=rounding).feasible(np.array([8])))) == ok
    assert rounds_to(0.125, "0.12", rounding=rounding) == ok


@pytest.fixture(scope="module")
def diabpeers():
    return check_published(DIABPEERS, n_total=2584, max_value=12)


@pytest.mark.parametrize(("code", "sizes", "values"), [
    ("reminder", "30", ""), ("playful", "136-137", ""), ("mood_question", "291-293", ""),
    ("medical", "3", "0,1,1"), ("technical", "5-6", "0,0,0,0,0; 0,0,0,0,0,0"),
])
def test_diabpeers_group_sizes_from_the_published_figures(diabpeers, code, sizes, values):
    """The published figures imply: reminders exactly 30, playful 136 or 137, mood
    questions 291-293 (N = 2584), medical exactly 3 with responses 0, 1, 1, technical 5-6
    posts all with 0 responses."""
    row = diabpeers.joint.set_index("code").loc[code]
    assert row["sizes"] == sizes
    assert row["values"] == values
    assert diabpeers.consistent


def test_diabpeers_percentages(diabpeers):
    """Lead's exploration: 55% of 2584 -> 1409..1434 (with half up), technical 0.4% -> 5-6,
    medical 0.2% -> 3, goal achievement 1.7% -> 43..45, behaviour change 2.4% -> 61..63."""
    pct = diabpeers.percentages.set_index("id")["counts"]
    assert pct["technical_pct"] == "5-6"
    assert pct["medical_pct"] == "3"
    assert pct["goal_achievement_pct"] == "43-45"
    assert pct["behaviour_change_pct"] == "61-63"
    assert pct["support_posts_pct"] == "1409-1434"  # 0.545*2584 = 1408.3, 0.555*2584 = 1434.1


def test_t_tests_cannot_give_table_10_stars(diabpeers):
    """From the published means and SDs, a t-test gives p ~ .005-.008 for informative
    support, so it would print '***' where the paper prints '*'."""
    row = diabpeers.tests.set_index("code").loc["informational"]
    assert not row["welch_can"] and not row["student_can"]
    low, high = (float(x) for x in row["student_p"].split("-"))
    assert low < 0.005 and 0.008 < high < 0.01
    assert any("not produced by a welch t-test" in n for n in diabpeers.notes)


def test_time_notes(diabpeers):
    text = "\n".join(diabpeers.notes)
    assert "7 h 27 min = 7.45 h" in text
    assert '"7.27 hours" read as decimal hours is 7 h 16 min' in text


def test_population_derived_from_goal_setting():
    """230 posts = 8.9% of N: 230/0.0895 = 2569.8 and 230/0.0885 = 2598.9, so N 2570-2598;
    with that range, mood questions may also have 288 posts ("288 or 291-293")."""
    report = check_published(DIABPEERS, max_value=12)
    assert report.population["n_total"] == "2570-2598"
    mood = report.joint.set_index("code").loc["mood_question", "sizes"]
    assert mood.startswith("288, 291-293")


def _impossible(tmp_path: Path) -> Path:
    data = {"tables": [{"id": "T", "kind": "with_without", "rows": [
        {"code": "x", "with": {"mean": "0.50", "sd": "2.000"},
         "without": {"mean": "0.50", "sd": "0.500"}}]}]}
    path = tmp_path / "published.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_impossible_cell_is_a_problem(tmp_path):
    """Values 0..1 with mean 0.5 have SD about 0.5, never 2."""
    report = check_published(_impossible(tmp_path), n_total=100, max_value=1)
    assert "table T, x, with: mean 0.50 (SD 2.000) is impossible for integer data with " \
        "n <= 100" in report.problems


def test_cli_exit_1_names_the_impossible_cell(tmp_path, cli):
    proc = cli("check-published", _impossible(tmp_path), "--n-total", "100", "--max-value", "1")
    assert proc.returncode == 1
    assert "table T, x, with: mean 0.50 (SD 2.000) is impossible" in proc.stderr


def test_cli_json(cli):
    proc = cli("check-published", DIABPEERS, "--n-total", "2584", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["consistent"] is True
    assert {r["code"]: r["sizes"] for r in doc["joint"]}["reminder"] == "30"


def test_numbers_must_be_written_as_printed():
    data = {"tables": [{"id": "7", "rows": [{"code": "a", "with": {"mean": 1.1, "sd": "2.194"}}]}]}
    with pytest.raises(PublishedError, match=re.escape(
            "with.mean of 'a' is 1.1, not a string; quote it as printed, e.g. mean: \"1.1\"")):
        load_published(data)
