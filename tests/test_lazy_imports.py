"""``import chatcode`` and ``chatcode --help`` load no heavy library (scipy, statsmodels,
matplotlib, textual): each command imports what it uses, so every command starts at once.

Checked in a fresh interpreter through ``sys.modules`` (never by timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chatcode

HEAVY = ("scipy", "statsmodels", "matplotlib", "textual")
SRC = str(Path(chatcode.__file__).resolve().parent.parent)
COMMANDS = ("ingest", "responses", "latency", "agree", "tables", "reproduce", "code", "sheet",
            "codebook")


def _loaded(steps: list[str]) -> list[list[str]]:
    """Run each step in one fresh interpreter; after each, the heavy packages it has loaded."""
    lines = ["import contextlib, io, json, sys",
             f"HEAVY = {set(HEAVY)!r}",
             "def seen():",
             "    print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & HEAVY)))"]
    for step in steps:
        lines += [step, "seen()"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.strip().splitlines()[-len(steps):]]


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


def test_help_of_every_command_loads_no_heavy_library():
    run = ("with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
           "    main({})")
    steps = ["from chatcode.cli import main", run.format(["--help"]),
             *(run.format([c, "--help"]) for c in COMMANDS)]
    assert _loaded(steps) == [[]] * len(steps)
