"""Responses per post on the hand-made fixture corpus (tests/fixtures/responses/README.md).

Every expected number below was worked out by hand from posts.csv and reactions.csv; the
comments say why each one is what it is. Posts not listed in an expectation have no
responses (0 everywhere, no first response).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, read_corpus
from chatcode.engagement.responses import counted_replies, responses
from chatcode.errors import ChatcodeWarning, TablesError

CORPUS = Path(__file__).parents[1] / "fixtures" / "responses" / "corpus"
IDS = [f"p{i}" for i in range(1, 16)]
NOT_COUNTED = re.escape(
    "not counted as responses: 1 repl(y/ies) whose parent is not in the corpus; "
    "1 repl(y/ies) whose parent is in another group")
ORPHANS = re.escape("not counted as responses: 1 reaction(s) on posts not in the corpus")

H10 = 10 / 60  # ten minutes
H20 = 20 / 60
H5 = 5 / 60

# post: (replies, reactions, reply_reactions, first_response_hours)
DEFAULT = {
    # replies p2 (ben) and p4 (cleo); p3 is anna's self-reply. Reactions: ben, and one
    # without author (counted under "all"); anna's own heart is a self-reaction.
    # Reply reactions: cleo and ben on p2, cleo on p3 (a self-reply's reactions count);
    # anna's thumbsup on p2 is by p1's author. First: ben's reaction at 08:30 (0.5 h).
    "p1": (2, 2, 3, 0.5),
    # reply p14 (dora, 2.5 h); reactions anna (09:40) and cleo; ben's on his own post is self
    "p2": (1, 2, 0, H10),
    "p3": (0, 1, 0, 0.5),  # cleo at 10:30
    # replies p6 (before its parent: counted, no delay) and p7 (anna, 1 h); reactions anna
    # (07:30, before the post: counted, no delay) and tom (08:45); reply reaction: anna on p6
    "p5": (2, 2, 1, 0.75),
    "p6": (0, 1, 0, H10),  # anna 07:10
    "p8": (0, 1, 0, H10),  # ben 10:10 on the reply whose parent is missing
    "p9": (0, 1, 0, 0.5),  # ben 11:30 on the reply filed in the other group
    # replies p11 (2.25 h) and p12 (31 h); p13 is erik's self-reply. Reactions dora (no
    # time) and zoe (08:20); erik's heart on p12 is by p10's author, so no reply reaction
    "p10": (2, 2, 0, H20),
    "p12": (0, 1, 0, 1.0),  # erik at 16:00 (he is not p12's author)
}

INCLUDE_SELF = {
    # + self-reply p3, anna's own heart (08:05, the first response), and anna's thumbsup
    # on reply p2 as a reply reaction
    "p1": (3, 3, 4, H5),
    "p2": (1, 3, 0, H10),  # + ben's own thumbsup (no time)
    "p3": (0, 1, 0, 0.5),
    "p5": (2, 2, 1, 0.75),
    "p6": (0, 1, 0, H10),
    "p8": (0, 1, 0, H10),
    "p9": (0, 1, 0, 0.5),
    # + self-reply p13 (1 h) and erik's heart on p12; zoe's reaction is still first
    "p10": (3, 2, 1, H20),
    "p12": (0, 1, 0, 1.0),
}

PARTICIPANTS = {
    # anna is a moderator, tom has a team post, the authorless reaction has no known role;
    # ben, cleo, dora, erik and zoe (who never posted: default role) are participants.
    "p1": (2, 1, 3, 0.5),  # replies ben, cleo; reaction ben; reply reactions cleo, ben, cleo
    "p2": (1, 1, 0, 0.25),  # reply dora; reaction cleo 09:45
    "p3": (0, 1, 0, 0.5),
    "p5": (1, 0, 0, math.nan),  # only p6 counts, and it is dated before p5: no first response
    "p8": (0, 1, 0, H10),
    "p9": (0, 1, 0, 0.5),
    "p10": (1, 2, 0, H20),  # reply dora (tom's is a team reply)
    "p12": (0, 1, 0, 1.0),  # erik
}

SELF_AND_PARTICIPANTS = {
    "p1": (2, 1, 3, 0.5),  # anna's self-reply and self-reaction are by a moderator
    "p2": (1, 2, 0, 0.25),  # + ben's own thumbsup (no time)
    "p3": (0, 1, 0, 0.5),
    "p5": (1, 0, 0, math.nan),
    "p8": (0, 1, 0, H10),
    "p9": (0, 1, 0, 0.5),
    "p10": (2, 2, 1, H20),  # + erik's self-reply p13 and his heart on p12
    "p12": (0, 1, 0, 1.0),
}


def load() -> Corpus:
    return read_corpus(CORPUS)


def run(corpus: Corpus, **options) -> pd.DataFrame:
    with pytest.warns(ChatcodeWarning) as record:
        table = responses(corpus, **options)
    messages = [str(w.message) for w in record]
    assert any(re.match(NOT_COUNTED, m) for m in messages), messages
    assert any(re.match(ORPHANS, m) for m in messages), messages
    return table


def expected_frame(expected: dict[str, tuple]) -> pd.DataFrame:
    groups = {"p9": "G2", "p10": "G2", "p11": "G2", "p12": "G2", "p13": "G2"}
    rows = [(pid, groups.get(pid, "G1"), *expected.get(pid, (0, 0, 0, math.nan)))
            for pid in IDS]
    df = pd.DataFrame(rows, columns=[S.POST_ID, S.GROUP, S.REPLIES, S.REACTIONS,
                                     S.REPLY_REACTIONS, S.FIRST_RESPONSE_HOURS])
    df[S.RESPONSES] = df[S.REPLIES] + df[S.REACTIONS] + df[S.REPLY_REACTIONS]
    return df[list(S.RESPONSES_COLUMNS)]


@pytest.mark.parametrize(("options", "expected"), [
    ({}, DEFAULT),
    ({"include_self": True}, INCLUDE_SELF),
    ({"responders": "participants"}, PARTICIPANTS),
    ({"include_self": True, "responders": "participants"}, SELF_AND_PARTICIPANTS),
], ids=["default", "include_self", "participants", "self_and_participants"])
def test_hand_computed_responses(options, expected):
    table = run(load(), **options)
    want = expected_frame(expected)
    pd.testing.assert_frame_equal(table, want, check_dtype=False, check_exact=False,
                                  rtol=1e-12)
    for col in (S.REPLIES, S.REACTIONS, S.REPLY_REACTIONS, S.RESPONSES):
        assert table[col].dtype == np.int64
    assert table[S.FIRST_RESPONSE_HOURS].dtype == np.float64


def test_count_picks_the_components_of_responses_and_of_the_first_response():
    corpus = load()
    only_replies = run(corpus, count=("replies",)).set_index(S.POST_ID)
    # responses = replies; the first response is the first counted reply (not a reaction)
    assert only_replies[S.RESPONSES].to_dict() == {
        pid: DEFAULT.get(pid, (0,))[0] for pid in IDS}
    first = only_replies[S.FIRST_RESPONSE_HOURS].dropna().to_dict()
    # p1: ben 1.5 h; p2: dora 2.5 h; p5: anna 1 h (p6 is before); p10: dora 2.25 h
    assert first == pytest.approx({"p1": 1.5, "p2": 2.5, "p5": 1.0, "p10": 2.25})
    reactions_only = run(corpus, count=["reactions", "reply_reactions"]).set_index(S.POST_ID)
    assert reactions_only.loc["p1", S.RESPONSES] == 2 + 3
    assert reactions_only.loc["p5", S.FIRST_RESPONSE_HOURS] == pytest.approx(0.75)
    no_first = run(corpus, count="reply_reactions")
    assert no_first[S.FIRST_RESPONSE_HOURS].isna().all()
    assert no_first[S.RESPONSES].sum() == 3 + 1  # p1 and p5


def test_counted_replies_marks_self_and_role_and_keeps_before_parent():
    with pytest.warns(ChatcodeWarning, match=NOT_COUNTED):
        c = counted_replies(load()).set_index(S.POST_ID)
    # ok links only: p8 (missing parent) and p9 (other group) are not there
    assert sorted(c.index) == sorted(["p2", "p3", "p4", "p6", "p7", "p11", "p12", "p13",
                                      "p14"])
    assert c["counted"].to_dict() == {"p2": True, "p3": False, "p4": True, "p6": True,
                                      "p7": True, "p11": True, "p12": True, "p13": False,
                                      "p14": True}
    assert c.loc["p6", "before_parent"] and not c.loc["p7", "before_parent"]


def test_the_callers_tables_are_not_changed():
    corpus = load()
    posts, reactions = corpus.posts.copy(), corpus.reactions.copy()
    run(corpus, include_self=True)
    pd.testing.assert_frame_equal(corpus.posts, posts)
    pd.testing.assert_frame_equal(corpus.reactions, reactions)


def test_a_clean_corpus_gives_no_warning_and_every_post_a_row():
    posts = pd.DataFrame({
        "post_id": ["a", "b"], "group": "g",
        "timestamp": ["2023-05-01T08:00:00Z", "2023-05-01T08:45:00Z"],
        "author": ["x", "y"], "text": ["", ""], "parent_id": [None, "a"]})
    table = responses(Corpus(posts))  # filterwarnings=error: any warning fails the test
    assert table[S.RESPONSES].tolist() == [1, 0]
    assert table[S.FIRST_RESPONSE_HOURS].iloc[0] == 0.75
    empty = responses(Corpus(posts.iloc[:0]))
    assert list(empty.columns) == list(S.RESPONSES_COLUMNS) and len(empty) == 0


@pytest.mark.parametrize(("options", "message"), [
    ({"responders": "moderators"},
     "unknown responders 'moderators'; use one of all, participants"),
    ({"count": ("replies", "likes")},
     "cannot count 'likes' as responses; count is one or more of replies, reactions, "
     "reply_reactions"),
    ({"count": ()}, "cannot count nothing as responses"),
])
def test_bad_options_are_explained(options, message):
    with pytest.raises(TablesError, match=re.escape(message)):
        responses(load(), **options)


# --- an independent, loop-based reading of the response definition, on random corpora ----

def random_corpus(seed: int) -> Corpus:
    rng = np.random.default_rng(seed)
    n = 40
    ids = [f"m{i}" for i in range(n)]
    authors = ["a", "b", "c", "d", "e"]
    roles = {"a": "moderator", "b": "participant", "c": "participant", "d": "team",
             "e": "participant"}
    author = rng.choice(authors, n)
    parent = [None if rng.random() < 0.4 else
              ("gone" if rng.random() < 0.1 else ids[rng.integers(0, n)]) for _ in range(n)]
    posts = pd.DataFrame({
        "post_id": ids, "group": rng.choice(["g1", "g2"], n, p=[0.8, 0.2]),
        "timestamp": pd.Timestamp("2023-01-01", tz="UTC")
        + pd.to_timedelta(rng.integers(0, 600, n), unit="min"),
        "author": author, "role": [roles[a] for a in author], "text": "",
        "parent_id": parent})
    k = 60
    when = (pd.Timestamp("2023-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 700, k), unit="min"))
    reactions = pd.DataFrame({
        "post_id": [ids[i] if rng.random() < 0.95 else "zzz" for i in rng.integers(0, n, k)],
        "author": [None if rng.random() < 0.1 else str(x)
                   for x in rng.choice(authors + ["f"], k)],
        "emoji": "thumbsup",
        "timestamp": [None if rng.random() < 0.2 else t.isoformat() for t in when]})
    return Corpus(posts, reactions)


def reference(corpus: Corpus, include_self: bool, responders: str) -> pd.DataFrame:
    posts = {r.post_id: r for r in corpus.posts.itertuples()}
    post_roles: dict[str, set] = {}
    for r in posts.values():
        post_roles.setdefault(r.author, set()).add(r.role)

    def by_participant(author, role=None) -> bool:
        if role is not None:
            return role == "participant"
        if author is None or (isinstance(author, float) and math.isnan(author)):
            return False
        return post_roles.get(author, {"participant"}) == {"participant"}

    def counts(responder, owner, role=None) -> bool:
        if not include_self and responder == posts[owner].author:
            return False
        return responders == "all" or by_participant(responder, role)

    def on_cycle(pid) -> bool:  # following parent links from pid comes back to pid
        seen, cur = set(), pid
        while True:
            nxt = posts[cur].parent_id
            if not (isinstance(nxt, str) and nxt in posts):
                return False
            if nxt == pid:
                return True
            if nxt in seen:
                return False
            seen.add(nxt)
            cur = nxt

    out = {pid: [0, 0, 0, math.inf] for pid in posts}
    ok_parent = {}
    for r in posts.values():
        p = r.parent_id
        if (isinstance(p, str) and p in posts and posts[p].group == r.group
                and not on_cycle(r.post_id)):
            ok_parent[r.post_id] = p
            if counts(r.author, p, r.role):
                out[p][0] += 1
                delay = (r.timestamp - posts[p].timestamp).total_seconds() / 3600
                if delay >= 0:
                    out[p][3] = min(out[p][3], delay)
    for x in corpus.reactions.itertuples():
        author = x.author if isinstance(x.author, str) else None
        if x.post_id not in posts:
            continue
        if counts(author, x.post_id):
            out[x.post_id][1] += 1
            if not pd.isna(x.timestamp):
                delay = (x.timestamp - posts[x.post_id].timestamp).total_seconds() / 3600
                if delay >= 0:
                    out[x.post_id][3] = min(out[x.post_id][3], delay)
        owner = ok_parent.get(x.post_id)
        if owner is not None and counts(author, owner):
            out[owner][2] += 1
    rows = [(pid, posts[pid].group, a, b, c, a + b + c, d if d != math.inf else math.nan)
            for pid, (a, b, c, d) in out.items()]
    return pd.DataFrame(rows, columns=list(S.RESPONSES_COLUMNS))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("include_self", "responders"), [
    (False, "all"), (True, "all"), (False, "participants"), (True, "participants")])
def test_vectorised_counts_match_a_loop_over_the_definitions(seed, include_self, responders):
    corpus = random_corpus(seed)
    with pytest.warns(ChatcodeWarning):
        table = responses(corpus, include_self=include_self, responders=responders)
    want = reference(corpus, include_self, responders)
    pd.testing.assert_frame_equal(table, want, check_dtype=False, check_exact=False,
                                  rtol=1e-12)


# --- the corpus helpers responses rely on (chatcode.corpus.corpus) --------------------------------

def test_post_positions_finds_rows_and_the_first_of_repeated_ids():
    from chatcode.corpus.corpus import post_positions

    posts = pd.DataFrame({"post_id": ["a", "b", "a", None, "c"]})
    found, none = post_positions(posts, pd.Series(["c", "a", "x", None, "b"]),
                                 pd.Series([], dtype="str"))
    assert found.tolist() == [4, 0, -1, -1, 1] and none.tolist() == []


def test_reply_links_gives_the_rows_of_reply_and_parent():
    from chatcode.corpus.corpus import reply_links

    links = reply_links(load().posts).set_index(S.POST_ID)
    # p14 is row 13 and replies to p2 (row 1); p8's parent p99 is missing
    assert links.loc["p14", ["position", "parent_position"]].tolist() == [13, 1]
    assert links.loc["p8", ["link", "parent_position"]].tolist() == ["missing_parent", -1]
    assert links.loc["p9", "link"] == "other_group" and links.loc["p6", "before_parent"]
