"""The filled coding sheets of the synthetic DiabPeerS sample.

Coder A's main pass codes every post with its true codes (those of its kind and topic).
Coder B's pretest (the first 10% of group 1) and coder A's re-test (a seeded random 10%)
are the same except for a few disagreements, on codes with enough posts in the
selection, so that Cohen's kappa stays above 0.8 for every code where it is defined.

The sheets are written with :func:`chatcode.write_sheet` and filled with openpyxl, as a
coder would fill them in Excel; the ``created`` time in the hidden meta sheet and the
workbook's own times are fixed, so the files are the same on every build.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from chatcode.reproduce.datasets import design as D
from chatcode.reproduce.datasets.exports import FIXED_TIME, freeze_xlsx

__all__ = ["SHEETS", "true_codes", "write_coding"]

# (file, coder, pass, selection, number of disagreements with the true codes)
SHEETS = (("A-main.xlsx", "A", "main", ("all", None, None), 0),
          ("B-pretest.xlsx", "B", "pretest", ("first", 10, D.GROUPS[0]), 3),
          ("A-retest.xlsx", "A", "retest", ("sample", 10, None), 4))
MIN_POSITIVES = 10  # a code gets a disagreement only with this many posts in the selection


def true_codes(posts: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Per post id: ``{"support": {codes}, "nudge": {...}, "bct": {...}, "topic": id}``."""
    by = {k.name: k for k in D.KINDS}
    return {pid: {"support": set(by[k].support), "nudge": set(by[k].nudge),
                  "bct": set(by[k].bct), "topic": topic}
            for pid, k, topic in zip(posts["id"], posts["kind"], posts["topic"], strict=True)}


def _disagree(codes: dict[str, dict[str, object]], ids: list[str], n: int,
              rng: np.random.Generator) -> dict[str, dict[str, object]]:
    """A copy of ``codes`` in which ``n`` posts of ``ids`` get one code wrong: a present
    code of a frequent multiple-choice code left out, or the topic coded ``other``."""
    out = {pid: {k: set(v) if isinstance(v, set) else v for k, v in c.items()}
           for pid, c in codes.items()}
    counts: dict[tuple[str, str], int] = {}
    for pid in ids:
        for dim in ("support", "nudge", "bct"):
            for code in codes[pid][dim]:
                counts[(dim, code)] = counts.get((dim, code), 0) + 1
    frequent = sorted(k for k, v in counts.items() if v >= MIN_POSITIVES)
    for pid in [ids[i] for i in rng.choice(len(ids), size=n, replace=False)]:
        have = [(d, c) for d, c in frequent if c in out[pid][d]]
        if have and (out[pid]["topic"] == "other" or rng.random() < 0.6):
            dim, code = have[int(rng.integers(len(have)))]
            out[pid][dim].discard(code)
        elif out[pid]["topic"] != "other":
            out[pid]["topic"] = "other"
    return out


def _fill(path: Path, codes: dict[str, dict[str, object]]) -> list[str]:
    """Fill the code cells of a written sheet; fix its ``created`` time; returns the ids."""
    from openpyxl import load_workbook

    from chatcode.coding.meta import META_SHEET
    from chatcode.coding.sheets import CODING_SHEET, FIRST_DATA_ROW

    wb = load_workbook(path)
    ws = wb[CODING_SHEET]
    headers = [c.value for c in ws[1]]
    ids = []
    for row in range(FIRST_DATA_ROW, ws.max_row + 1):
        pid = str(ws.cell(row=row, column=1).value)
        ids.append(pid)
        mine = codes[pid]
        for col, header in enumerate(headers, start=1):
            if header == "topic":
                ws.cell(row=row, column=col, value=mine["topic"]).data_type = "s"
            elif isinstance(header, str) and ":" in header:
                dim, code = header.split(":", 1)
                ws.cell(row=row, column=col, value=int(code in mine[dim]))
    meta = wb[META_SHEET]
    for key, value in meta.iter_rows(min_row=2):
        if key.value == "created":
            value.value = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            value.data_type = "s"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.save(path)
    freeze_xlsx(path)
    return ids


def write_coding(out: Path, posts: pd.DataFrame, rng: np.random.Generator) -> list[Path]:
    """Write the three filled coding sheets into ``out/coding``."""
    import chatcode
    from chatcode.coding.selection import Selection
    from chatcode.reproduce.datasets import codebook_path
    from chatcode.reproduce.datasets.build import TIMEZONE

    corpus = chatcode.ingest([out / "exports" / f"group{i}.xlsx" for i in (1, 2, 3)],
                             roles=out / "roles.yaml", timezone=TIMEZONE)
    codebook = chatcode.load_codebook(codebook_path())
    truth = true_codes(posts)
    (out / "coding").mkdir(parents=True, exist_ok=True)
    written = []
    for name, coder, pass_, (kind, pct, group), n_wrong in SHEETS:
        seed = int(rng.integers(1, 10_000)) if kind == "sample" else None
        selection = Selection(kind, pct=pct, group=group, seed=seed)
        path = out / "coding" / name
        chatcode.write_sheet(corpus, codebook, path, coder=coder, pass_=pass_,
                             selection=selection, force=True, timezone=TIMEZONE)
        picked = chatcode.select_posts(corpus.posts, selection)[
            "post_id"].astype(str).tolist()
        codes = _disagree(truth, picked, n_wrong, rng) if n_wrong else truth
        _fill(path, codes)
        written.append(path)
    return written
