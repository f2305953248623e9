"""The project speaks of itself: no source file, doc or the README names a file outside the
repository (a brief, a contract, a shared folder, a local path), and the paper is cited by
its reference, "the DiabPeerS paper (PMID 39834648)"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
FORBIDDEN = re.compile(
    r"/work/|/tmp/iss|mission brief|CONTRACT\.md|shared/reference|diabpeers-paper\.txt|"
    r"\bthe issue\b|\bthe brief\b|STYLE\.md|COMMON\.md", re.IGNORECASE)


def _files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    files += sorted((ROOT / "src").rglob("*.py"))
    files += sorted(p for p in (ROOT / "data" / "samples").rglob("*")
                    if p.suffix in (".md", ".yaml"))
    return files


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_to_files_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    hits = [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}"
            for m in FORBIDDEN.finditer(text)]
    assert not hits, f"{path.relative_to(ROOT)} names something outside the repository: {hits}"


def test_the_paper_is_cited_by_its_reference():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "the DiabPeerS paper (PMID 39834648)" in readme
    docs = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    assert "DiabPeerS paper (PMID 39834648)" in docs


def test_the_pattern_catches_what_it_should():
    for bad in ("see /work/shared/x", "quoted in the mission brief", "CONTRACT.md §4",
                "shared/reference/diabpeers-paper.txt", "as the issue says"):
        assert FORBIDDEN.search(bad), bad
    assert not FORBIDDEN.search("the DiabPeerS paper (PMID 39834648); shared/corpus.xlsx")
