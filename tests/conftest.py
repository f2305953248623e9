"""Shared test helpers: fixture paths and a CLI runner that returns (exit code, stdout, stderr)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m chatcode ARGS`` in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "chatcode", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def cli():
    return run_cli


def run_inprocess(*args: object) -> tuple[int, str, str]:
    """Run the CLI in this process (as the console script does): (exit code, stdout, stderr).

    Faster than :func:`run_cli`; every warning is shown, as on a terminal."""
    from chatcode.cli import run

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
            warnings.catch_warnings():
        warnings.simplefilter("always")
        code = run([str(a) for a in args])
    return code, stdout.getvalue(), stderr.getvalue()
