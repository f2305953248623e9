"""``import chatcode`` and ``chatcode --help`` load no heavy library (scipy, statsmodels,
matplotlib, textual), and ``--help`` of every command not even pandas, numpy, pyarrow, rich,
YAML or pydantic: each command imports what it uses, so every command starts at once.

Checked in a fresh interpreter through ``sys.modules`` (never by timing)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import typer.main

import chatcode
from chatcode.cli import app

HEAVY = ("scipy", "statsmodels", "matplotlib", "textual")
#: what ``--help`` does without: the data stack, rich (printing), YAML (codebooks) and
#: pydantic (typer coerces option values through it)
START_UP = (*HEAVY, "pandas", "numpy", "pyarrow", "rich", "yaml", "pydantic", "openpyxl")
SRC = str(Path(chatcode.__file__).resolve().parent.parent)
CORPUS = Path(__file__).parent / "fixtures" / "responses" / "corpus"


def _commands(group, prefix=()):
    """Every command and command group of the CLI, as the words that name it."""
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _loaded(steps: list[str], watch: tuple[str, ...] = HEAVY) -> list[list[str]]:
    """Run each step in one fresh interpreter; after each, the packages of ``watch`` it has
    loaded."""
    lines = ["import contextlib, io, json, sys, warnings",
             f"WATCH = {set(watch)!r}",
             "def seen():",
             "    print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & WATCH)))"]
    for step in steps:
        lines += [step, "seen()"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.strip().splitlines()[-len(steps):]]


def _run(argv: list[str]) -> str:
    """A step running ``chatcode ARGV`` in process (output and warnings swallowed)."""
    return ("with contextlib.redirect_stdout(io.StringIO()), "
            "contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit), "
            "warnings.catch_warnings():\n"
            "    warnings.simplefilter('ignore')\n"
            f"    main({argv!r})")


def test_import_chatcode_loads_no_heavy_library_until_a_statistic_runs():
    """Every public name resolves (to the very object of its module) without scipy; the
    first statistic that needs scipy loads it."""
    steps = [
        "import chatcode",
        "from chatcode.reliability.agreement import agreement\n"
        "assert chatcode.agreement is agreement\n"
        "from chatcode.ingest import whatsapp\nassert callable(chatcode.ingest)\n"
        "from chatcode.reproduce.run import run_sample\nassert callable(chatcode.reproduce)\n"
        "from chatcode.engagement.latency import QUANTILE_METHODS\n"
        "assert callable(chatcode.engagement.latency)\n"
        "from chatcode.reliability.agreement import RARE_SHARE\n"
        "from chatcode.reliability import agreement as fn\nassert callable(fn)",
        "[getattr(chatcode, name) for name in chatcode.__all__]",
        "from chatcode.engagement.comparisons import mean_ci\nmean_ci([1.0, 2.0, 4.0])",
    ]
    assert _loaded(steps) == [[], [], [], ["scipy"]]


def test_help_of_every_command_loads_no_data_library():
    """``chatcode``, ``chatcode --help``, ``--version`` and ``--help`` of every command and
    group load none of :data:`START_UP`; running a command then loads what it needs (which
    shows the check sees them)."""
    assert len(COMMANDS) >= 20 and ("latency",) in COMMANDS and ("codebook", "show") in COMMANDS
    steps = ["from chatcode.cli import main", _run([]), _run(["--help"]), _run(["--version"]),
             *(_run([*path, "--help"]) for path in COMMANDS),
             _run(["latency", str(CORPUS)])]
    loaded = _loaded(steps, START_UP)
    names = ["import", "chatcode", "--help", "--version", *(" ".join(p) for p in COMMANDS)]
    assert dict(zip(names, loaded[:-1], strict=True)) == dict.fromkeys(names, [])
    assert {"pandas", "numpy", "pyarrow", "rich", "pydantic"} <= set(loaded[-1])


def test_the_ingest_help_names_every_format():
    """``chatcode ingest --help`` lists the formats from a copy of their names (importing
    chatcode.ingest loads pandas); the copy is the list itself, in detection order."""
    from chatcode.cli.ingest_cmd import FORMAT_NAMES

    assert FORMAT_NAMES == tuple(chatcode.FORMATS), (
        "update FORMAT_NAMES in src/chatcode/cli/ingest_cmd.py to tuple(chatcode.FORMATS)")


def test_the_command_modules_evaluate_their_annotations_once():
    """typer evaluates a string annotation each time it builds a command: the CLI modules
    keep real annotations (no ``from __future__ import annotations``)."""
    cli = Path(chatcode.__file__).parent / "cli"
    late = [p.name for p in sorted(cli.glob("*.py")) if re.search(
        r"^from __future__ import annotations", p.read_text(encoding="utf-8"), re.M)]
    assert not late
