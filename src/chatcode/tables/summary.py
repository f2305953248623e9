"""What a report says about its run: the corpus, the coding, the response definition, the
test, and the reliability checks — every figure counted from the data or read from the
codebook, never typed in.

- :func:`run_summary`: a :class:`RunSummary` of the corpus and the coded posts;
- :func:`reliability_checks`: agreement of the coder/pass the tables use with every other
  coder/pass of the codes (an inter-coder pretest, an intra-coder re-test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from chatcode.codebook import Codebook
from chatcode.corpus import schema as S
from chatcode.tables.layouts import CodedPosts, Table

__all__ = ["ReliabilityCheck", "RunSummary", "reliability_checks", "response_definition",
           "run_summary"]


@dataclass(frozen=True)
class ReliabilityCheck:
    """Agreement of two coder/pass combinations: ``kind`` is ``inter-coder`` (two coders)
    or ``intra-coder`` (one coder, two passes); ``result`` an AgreementResult."""

    kind: str
    raters: tuple[str, str]
    result: object

    @property
    def title(self) -> str:
        return f"{self.kind.capitalize()} agreement: {self.raters[0]} vs {self.raters[1]}"


@dataclass(frozen=True)
class RunSummary:
    """The facts a report opens with (see :func:`run_summary`)."""

    corpus_posts: int
    root_posts: int
    replies: int
    reactions: int
    coded_posts: int
    first_day: str
    last_day: str
    weeks: int
    groups: dict[str, int]
    authors_by_role: dict[str, int]
    coder: str
    pass_: str
    codebook: str
    codebook_version: str
    dimensions: tuple[str, ...]
    n_codes: int
    response_definition: str
    tests: tuple[str, ...]
    synthetic: bool | None
    reliability: tuple[ReliabilityCheck, ...] = field(default=())


def response_definition(coded: CodedPosts) -> str:
    """The responses to a post as counted for these tables, in words."""
    who = "by participants only" if coded.responders == "participants" else "by any author"
    own = ("the post author's own replies and reactions included" if coded.include_self
           else "the post author's own replies and reactions not counted")
    return (f"the replies to a post, the reactions to it and the reactions to its replies, "
            f"{who}, {own}")


def _weeks(first: pd.Timestamp, last: pd.Timestamp) -> int:
    return int((last.normalize() - first.normalize()).days // 7) + 1


def run_summary(coded: CodedPosts, tables: Sequence[Table] = (), *,
                synthetic: bool | None = None,
                reliability: Sequence[ReliabilityCheck] = ()) -> RunSummary:
    """Count the facts of a run from the corpus and the coded posts; ``tables`` give the
    tests used; ``synthetic`` says whether the data are synthetic (None: not stated)."""
    posts = coded.corpus.posts
    stamps = posts[S.TIMESTAMP]
    first, last = stamps.min(), stamps.max()
    replies = int(posts[S.PARENT_ID].notna().sum())
    roles = posts.drop_duplicates(S.AUTHOR)[S.ROLE].value_counts()
    cb: Codebook = coded.codebook
    tests = tuple(dict.fromkeys(t.test for t in tables if t.kind == "with_without" and t.test))
    return RunSummary(
        corpus_posts=len(posts), root_posts=len(posts) - replies, replies=replies,
        reactions=len(coded.corpus.reactions), coded_posts=len(coded.units),
        first_day=first.strftime("%Y-%m-%d") if len(posts) else "",
        last_day=last.strftime("%Y-%m-%d") if len(posts) else "",
        weeks=_weeks(first, last) if len(posts) else 0,
        groups={str(k): int(v) for k, v in posts[S.GROUP].value_counts(sort=False)
                .sort_index().items()},
        authors_by_role={str(k): int(v) for k, v in roles.items()},
        coder=coded.coder, pass_=coded.pass_, codebook=cb.name, codebook_version=cb.version,
        dimensions=tuple(d.label for d in cb.dimensions), n_codes=cb.n_codes,
        response_definition=response_definition(coded), tests=tests, synthetic=synthetic,
        reliability=tuple(reliability))


def reliability_checks(codes: pd.DataFrame, codebook: Codebook, rater: str
                       ) -> list[ReliabilityCheck]:
    """Agreement of ``rater`` (``"coder/pass"``, the one the tables use) with every other
    coder/pass in ``codes`` that coded some of the same posts, in order of appearance."""
    from chatcode.reliability.agreement import agreement, rater_label

    labels = pd.Series([rater_label(c, p) for c, p in zip(codes[S.CODER].astype("str"),
                                                          codes[S.PASS].astype("str"),
                                                          strict=True)])
    mine = set(codes.loc[labels.eq(rater).to_numpy(), S.POST_ID])
    out = []
    for other in dict.fromkeys(labels):
        if other == rater or not mine & set(codes.loc[labels.eq(other).to_numpy(), S.POST_ID]):
            continue
        same_coder = other.split("/")[0] == rater.split("/")[0]
        out.append(ReliabilityCheck("intra-coder" if same_coder else "inter-coder",
                                    (rater, other), agreement(codes, codebook,
                                                              coders=[rater, other])))
    return out
