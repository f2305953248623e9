"""What the lead page shows: progress per pass and live agreement of overlapping passes."""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import pandas as pd

from chatcode.coding.project import CONSENSUS_CODER, Assignment, Project, agreed_codes
from chatcode.coding.store import read_store
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeError
from chatcode.reliability import agreement

__all__ = ["agreement_sections", "read_passes"]

SHOWN = ("percent_agreement", "kappa", "ac1", "pabak", "alpha")


def read_passes(project: Project, assignments: list[Assignment]) -> dict[int, pd.DataFrame]:
    """The committed codes of every pass (read-only; the coders may go on meanwhile)."""
    return {a.id: read_store(project.store_path(a.id)) for a in assignments}


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def agreement_sections(project: Project, assignments: list[Assignment],
                       codes: dict[int, pd.DataFrame]) -> list[dict[str, Any]]:
    """One section per pair of passes (not consensus) that confirmed a post in common:
    the agreement table per code and single-choice dimension, as ``chatcode agree``."""
    sections = []
    plain = [a for a in assignments if a.coder != CONSENSUS_CODER]
    made = {tuple(sorted(a.compares)): a for a in assignments if a.compares}
    for a, b in combinations(plain, 2):
        done_a = set(codes[a.id][S.POST_ID])
        common = done_a & set(codes[b.id][S.POST_ID])
        if not common:
            continue
        table = pd.concat([codes[a.id], codes[b.id]], ignore_index=True)
        labels = [a.label, b.label]
        try:
            result = agreement(table, project.codebook, coders=labels)
        except ChatcodeError as exc:
            sections.append({"a": a, "b": b, "n": len(common), "error": str(exc)})
            continue
        rows = [{"dimension": r["dimension"], "code": r["code"], "n": r["n"],
                 **{k: _fmt(r.get(k)) for k in SHOWN}}
                for r in result.codes.to_dict("records")]
        rows += [{"dimension": r["dimension"], "code": "(whole dimension)", "n": r["n"],
                  **{k: _fmt(r.get(k)) for k in SHOWN}}
                 for r in result.dimensions.to_dict("records")]
        agreed = agreed_codes(table, a, b)
        n_dims = len(project.codebook.dimensions)
        differ = sum(1 for p in common if len(agreed.get(p, {})) < n_dims)
        sections.append({"a": a, "b": b, "n": result.n_units, "rows": rows, "differ": differ,
                         "notes": result.notes, "consensus": made.get(tuple(sorted((a.id,
                                                                                     b.id))))})
    return sections
