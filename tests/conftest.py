"""Shared test helpers: fixture paths and a CLI runner that returns (exit code, stdout, stderr)."""

from __future__ import annotations

import subprocess
import sys
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
