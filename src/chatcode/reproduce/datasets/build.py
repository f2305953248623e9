"""Build the synthetic DiabPeerS sample, deterministically (same seed, same bytes).

    python -m chatcode.reproduce.datasets.build diabpeers [--out DIR] [--seed N]

Steps: the design (kinds of posts with their codes, groups, phases; ``design.py``), the
responses per post solved against ``published.yaml`` (``solve.py``), threads, authors, times
and reactions that realise them (``protocol.py``), texts from templates (``texts.py``), the
Mattermost exports (``exports.py``), and the filled coding sheets of coder A (main pass,
all posts), coder B (pretest, the first 10% of group 1) and coder A again (retest, a seeded
random 10%), read back and checked with the normal pipeline.

Notes
-----
- The responses are never stored: they arise from the reply and reaction rows, counted by
  ``chatcode.responses``. The build checks every published figure through the public
  functions (``ingest``, ``read_codes``, ``coded_posts``, ``build_tables``, ``latency``,
  ``agreement``) and stops with an error when one misses.
- Post ids in the workbooks are Mattermost-like (26 characters); the bulk export has no
  ids, so its ingest derives other ids from the content: the two ingest to the same corpus
  up to the post ids (and ``src_`` columns).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from chatcode.corpus import schema as S
from chatcode.reproduce.datasets import design as D
from chatcode.reproduce.datasets import exports as X
from chatcode.reproduce.datasets import solve as SV
from chatcode.reproduce.datasets.protocol import make_protocol

__all__ = ["SEED", "build", "main"]

SEED = 2584
SOLVER_SEEDS = (7, 11, 13)  # the local search's seeds, tried in turn (7 works)
NAME = "diabpeers"
TIMEZONE = "Europe/Vienna"
_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"  # Mattermost's id alphabet
DESCRIPTION = ("synthetic reconstruction consistent with the published aggregates "
               "(not the study's data)")
SAMPLE_YAML = f"""\
name: {NAME}
description: {DESCRIPTION}
published: published.yaml
codebook: ../../../codebooks/diabpeers.yaml
exports: [exports/group1.xlsx, exports/group2.xlsx, exports/group3.xlsx]
exports_jsonl: exports/bulk-export.jsonl
roles: roles.yaml
timezone: {TIMEZONE}
codes: [coding/A-main.xlsx, coding/B-pretest.xlsx, coding/A-retest.xlsx]
tables: {{coder: A, pass: main}}
agreement:
  kappa_pretest: [A/main, B/pretest]
  kappa_retest: [A/main, A/retest]
generator: python -m chatcode.reproduce.datasets.build {NAME} (seed {SEED})
"""


def _ids(n: int, rng: np.random.Generator) -> list[str]:
    letters = np.array(list(_ALPHABET))
    return ["".join(row) for row in letters[rng.integers(len(_ALPHABET), size=(n, 26))]]


def code_masks(posts: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per code id of the support, nudge and bct dimensions: which posts carry it."""
    by = {k.name: k for k in D.KINDS}
    codes = sorted({c for k in D.KINDS for c in k.support + k.nudge + k.bct})
    return {c: np.array([c in by[k].support + by[k].nudge + by[k].bct for k in posts["kind"]])
            for c in codes}


def solve(posts: pd.DataFrame, published: dict, rng: np.random.Generator) -> np.ndarray:
    """Responses per post meeting every with/without row of ``published``; technical posts
    get 0, the three medical posts 0, 1 and 1."""
    rows = SV.published_rows(published)
    masks = code_masks(posts)
    fixed = {int(i): 0 for i in np.flatnonzero(masks["technical"])}
    fixed.update(zip(np.flatnonzero(masks["medical"]).tolist(), (0, 1, 1), strict=True))
    topic = posts["topic"].to_numpy()
    problem = SV.build_problem(rows, masks, fixed, lower=topic == "healthy_eating",
                               higher=(topic == "self_monitoring", topic == "medication"))
    start = SV.start_values(problem, rng)
    for attempt, seed in enumerate(SOLVER_SEEDS, start=1):
        try:
            return SV.solve_responses(problem, start, seed=seed)
        except RuntimeError:
            if attempt == len(SOLVER_SEEDS):
                raise
    raise AssertionError("unreachable")


def _tables(protocol: pd.DataFrame, reactions: pd.DataFrame,
            rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ids, user ids and file ids; posts in time order per group; reactions by post id."""
    users = D.people()
    users["user_id"] = _ids(len(users), rng)
    uid = dict(zip(users["name"], users["user_id"], strict=True))
    posts = protocol.copy()
    posts["id"] = _ids(len(posts), rng)
    posts["parent_id"] = [posts["id"].iat[p] if p >= 0 else "" for p in posts["parent"]]
    posts["user_id"] = posts["author"].map(uid)
    posts["file_ids"] = [",".join(_ids(a, rng)) if a else "" for a in posts["attachments"]]
    posts = posts.sort_values(["group", "seconds"], kind="stable").reset_index(drop=True)
    ids = dict(zip(posts["row"], posts["id"], strict=True))
    react = reactions.assign(post_id=reactions["post"].map(ids),
                             user_id=reactions["author"].map(uid))
    react = react.sort_values(["seconds", "post_id", "author", "emoji"], kind="stable")
    return posts, react.reset_index(drop=True), users


def write_exports(out: Path, posts: pd.DataFrame, react: pd.DataFrame,
                  users: pd.DataFrame) -> list[Path]:
    """The three workbooks, the bulk export, roles.yaml and sample.yaml."""
    (out / "exports").mkdir(parents=True, exist_ok=True)
    written = []
    for i, group in enumerate(D.GROUPS, start=1):
        mine = posts[posts["group"].eq(group)]
        written.append(X.write_xlsx(out / "exports" / f"group{i}.xlsx", mine,
                                    react[react["post_id"].isin(mine["id"])]))
    written.append(X.write_jsonl(out / "exports" / "bulk-export.jsonl", posts, react, users))
    mods = users.loc[users["role"].eq(D.MOD), "name"].tolist()
    roles = out / "roles.yaml"
    roles.write_text("# role -> user names; everyone else is a participant\n"
                     + yaml.safe_dump({"moderator": mods}, default_flow_style=None),
                     encoding="utf-8", newline="\n")
    sample = out / "sample.yaml"
    sample.write_text(SAMPLE_YAML, encoding="utf-8", newline="\n")
    return [*written, roles, sample]


def build(out: str | Path | None = None, *, seed: int = SEED,
          published: str | Path | None = None) -> list[Path]:
    """Generate the sample into ``out`` (default: the repository's data/samples/diabpeers)
    and return the files written. ``published`` defaults to ``published.yaml`` next to
    the default output."""
    from chatcode.reproduce.datasets import sample_dir
    from chatcode.reproduce.datasets.coding import write_coding

    home = sample_dir(NAME)
    out = Path(out) if out is not None else home
    out.mkdir(parents=True, exist_ok=True)
    pub_path = Path(published) if published is not None else home / "published.yaml"
    if (out / "published.yaml").resolve() != pub_path.resolve():
        shutil.copyfile(pub_path, out / "published.yaml")
    pub = yaml.safe_load(pub_path.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    design = D.design_posts(rng)
    r = solve(design, pub, rng)
    protocol, reactions = make_protocol(design, r, rng)
    protocol["row"] = np.arange(len(protocol))
    posts, react, users = _tables(protocol, reactions, rng)
    files = write_exports(out, posts, react, users)
    files += write_coding(out, posts, rng)
    for path in files:
        path.chmod(0o644)
    misses = verify(out, pub)
    if misses:
        raise RuntimeError("the sample misses published figures:\n" + "\n".join(misses))
    return files


def verify(folder: Path, published: dict) -> list[str]:
    """Every with/without cell and star of ``published``, kappa > 0.8 in the pretest and
    the re-test, and the mean reply delay, as the normal pipeline computes them from the
    sample in ``folder``: the misses (none: [])."""
    import chatcode
    from chatcode.reproduce.datasets import codebook_path

    corpus = chatcode.ingest(sorted((folder / "exports").glob("group*.xlsx")),
                             roles=folder / "roles.yaml", timezone=TIMEZONE)
    codebook = chatcode.load_codebook(codebook_path())
    codes = chatcode.read_codes(sorted((folder / "coding").glob("*.xlsx")), codebook=codebook)
    coded = chatcode.coded_posts(corpus, codes, codebook, coder="A", pass_="main")
    tables = {t.id: t.data.set_index(S.CODE) for t in chatcode.build_tables(coded)
              if S.CODE in t.data.columns}
    misses = []
    for row in SV.published_rows(published):
        table = next(t["id"] for t in published["tables"]
                     if any(r["code"] == row.code for r in t["rows"]))
        got = tables[table].loc[row.code]
        for key, want in ((S.MEAN_WITH, row.mean_with), (S.SD_WITH, row.sd_with),
                          (S.MEAN_WITHOUT, row.mean_without), (S.SD_WITHOUT, row.sd_without)):
            if want is not None and str(SV.round_half_up(got[key], SV.decimals(want))) != want:
                misses.append(f"table {table}, {row.code}, {key}: {got[key]} is not {want}")
        if row.stars is not None and got[S.STARS] != row.stars:
            misses.append(f"table {table}, {row.code}: stars {got[S.STARS]!r}, "
                          f"not {row.stars!r}")
    for pair in (["A/main", "B/pretest"], ["A/main", "A/retest"]):
        kappa = chatcode.agreement(codes, codebook, coders=pair).codes["kappa"].dropna()
        if not (kappa > 0.8).all():
            misses.append(f"kappa of {' vs '.join(pair)} is 0.8 or less for some code")
    delay = chatcode.engagement.latency(corpus).iloc[0][S.FORMATTED]
    if delay != "7 h 27 min":
        misses.append(f"mean reply delay {delay}, not 7 h 27 min")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chatcode.reproduce.datasets.build",
        description="Regenerate a bundled sample (deterministic: the same files, byte for "
        "byte).",
        epilog="example: python -m chatcode.reproduce.datasets.build diabpeers --out /tmp/dp")
    parser.add_argument("name", choices=[NAME])
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: data/samples/NAME of the repository)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in build(args.out, seed=args.seed):
        print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
