"""Write the small bundled sample export (deterministic; run to regenerate byte-identically).

    python data/samples/mini/make_sample.py

Two peer-support groups over three weeks, as a Mattermost bulk export (mmctl JSONL), with
moderators, participants, reply threads and reactions. All text is invented for this sample.

It also writes ``codes.csv``: coder A's main pass over every post with the DiabPeerS
codebook (``codebooks/diabpeers.yaml``). Each message text has fixed codes (``CODES``), so
the codes follow from the text alone. The post ids are those ``chatcode ingest`` gives the
export, so writing the codes needs chatcode installed (``pip install -e .``).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
START = datetime(2023, 3, 6, 8, 0, tzinfo=UTC)

ROOTS = [
    ("mod", "Welcome to the group! Please introduce yourself: how long have you had diabetes?"),
    ("mod", "Quiz of the week: how many grams of carbohydrate are in one slice of bread?"),
    ("p", "I measured 142 mg/dl this morning, a bit high after yesterday's party."),
    ("mod", "How are you feeling today? Share a smiley that fits your mood."),
    ("p", "My new glucose meter shows different values than the old one. Anyone else?"),
    ("mod", "Reminder: this week's goal was 20 minutes of walking every day. How did it go?"),
    ("p", "I managed to skip sweets for a whole week!"),
    ("mod", "Fact: regular walking after meals lowers blood sugar peaks."),
    ("p", "Does anyone know whether metformin should be taken with food?"),
    ("mod", "Photo of today's healthy lunch: salad with lentils and feta."),
]
REPLIES = [
    "Great, well done!", "Same here, thanks for sharing.", "I think it is around 15 g.",
    "Feeling good today :)", "Mine too, I asked my doctor about it.", "I walked 4 times.",
    "Thanks for the tip!", "Please ask your doctor or pharmacist about that.",
    "Looks delicious!", "Hello everyone, I'm new here.",
]
EMOJI = ["+1", "heart", "smile", "clap"]

# The codes of each message text: (support codes, topic, nudge codes, bct codes).
CODES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]] = {
    ROOTS[0][1]: ((), "getting_to_know", ("co_creation",), ()),
    ROOTS[1][1]: (("informational",), "healthy_eating", ("playful",), ()),
    ROOTS[2][1]: (("informational",), "self_monitoring", ("personal_experience",), ()),
    ROOTS[3][1]: (("emotional",), "other", ("mood_question",), ()),
    ROOTS[4][1]: (("technical",), "self_monitoring", ("personal_experience",), ()),
    ROOTS[5][1]: ((), "physical_activity", ("reminder",), ("goal_setting",)),
    ROOTS[6][1]: (("emotional",), "healthy_eating", ("personal_experience",),
                  ("goal_achievement",)),
    ROOTS[7][1]: (("informational",), "physical_activity", ("engaging_fact",), ()),
    ROOTS[8][1]: (("informational",), "medication", (), ()),
    ROOTS[9][1]: (("informational",), "healthy_eating", ("image",), ()),
    "Great, well done!": (("emotional",), "other", (), ()),
    "Same here, thanks for sharing.": (("emotional",), "other", ("personal_experience",), ()),
    "I think it is around 15 g.": (("informational",), "healthy_eating", (), ()),
    "Feeling good today :)": ((), "other", (), ()),
    "Mine too, I asked my doctor about it.": (("informational",), "self_monitoring",
                                              ("personal_experience",), ()),
    "I walked 4 times.": ((), "physical_activity", ("personal_experience",),
                          ("behaviour_change",)),
    "Thanks for the tip!": (("emotional",), "other", (), ()),
    "Please ask your doctor or pharmacist about that.": (("informational",), "medication",
                                                         (), ()),
    "Looks delicious!": (("emotional",), "healthy_eating", (), ()),
    "Hello everyone, I'm new here.": ((), "getting_to_know", (), ()),
}


def users(group: int) -> tuple[str, list[str]]:
    mod = f"mod.g{group}"
    return mod, [f"p{group}.{i}" for i in range(1, 7)]


def build() -> list[dict]:
    rng = random.Random(20230306)
    lines: list[dict] = [{"type": "version", "version": 1}]
    lines.append({"type": "team", "team": {"name": "diabpeers", "display_name": "DiabPeerS",
                                           "type": "I"}})
    for g in (1, 2):
        lines.append({"type": "channel", "channel": {
            "team": "diabpeers", "name": f"group-{g}", "display_name": f"Group {g}",
            "type": "P"}})
    for g in (1, 2):
        mod, parts = users(g)
        for u in [mod, *parts]:
            lines.append({"type": "user", "user": {"username": u, "email": f"{u}@example.org"}})
    posts = []
    for g in (1, 2):
        mod, parts = users(g)
        for i, (who, text) in enumerate(ROOTS):
            t = START + timedelta(days=2 * i + g - 1, hours=rng.randint(0, 10),
                                  minutes=rng.randint(0, 59))
            author = mod if who == "mod" else rng.choice(parts)
            replies = []
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                rt = t + timedelta(minutes=rng.randint(5, 60 * 20))
                replier = rng.choice([*parts, mod])
                replies.append({
                    "user": replier, "message": rng.choice(REPLIES),
                    "create_at": int(rt.timestamp() * 1000),
                    "reactions": [{"user": rng.choice(parts), "emoji_name": rng.choice(EMOJI),
                                   "create_at": int((rt + timedelta(hours=1)).timestamp() * 1000)}
                                  for _ in range(rng.choice([0, 0, 1]))],
                })
            reactions = [{"user": u, "emoji_name": rng.choice(EMOJI),
                          "create_at": int((t + timedelta(hours=rng.randint(1, 30))).timestamp()
                                           * 1000)}
                         for u in rng.sample(parts, rng.choice([0, 1, 1, 2, 3]))]
            posts.append({"type": "post", "post": {
                "team": "diabpeers", "channel": f"group-{g}", "user": author, "message": text,
                "create_at": int(t.timestamp() * 1000), "replies": replies,
                "reactions": reactions}})
    rng.shuffle(posts)  # root posts are not in time order in real bulk exports
    return lines + posts


def code_rows(post_id: str, text: str, dimensions: list[tuple[str, tuple[str, ...]]]
              ) -> list[str]:
    """The codes-table rows (CSV lines) of one post: every code of every dimension, 0 or 1."""
    support, topic, nudge, bct = CODES[text]
    chosen = {"support": set(support), "topic": {topic}, "nudge": set(nudge),
              "bct": set(bct)}
    return [f"{post_id},A,main,{dim},{code},{int(code in chosen[dim])}"
            for dim, codes in dimensions for code in codes]


def write_codes(export: Path) -> Path:
    """codes.csv: coder A, pass main, every post of the ingested export (sorted by id)."""
    import warnings

    import chatcode
    from chatcode.codebook import load_codebook

    codebook = load_codebook(HERE.parent.parent.parent / "codebooks" / "diabpeers.yaml")
    dims = [(d.id, d.code_ids) for d in codebook.dimensions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # notes about the sample's structure are expected
        posts = chatcode.ingest(export, timezone="UTC").posts.sort_values("post_id")
    lines = ["post_id,coder,pass,dimension,code,value"]
    for post_id, text in zip(posts["post_id"], posts["text"], strict=True):
        lines += code_rows(post_id, text, dims)
    out = HERE / "codes.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main() -> None:
    out = HERE / "export.jsonl"
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in build()),
                   encoding="utf-8")
    roles = "# role -> user names; everyone else is a participant\nmoderator: [mod.g1, mod.g2]\n"
    (HERE / "roles.yaml").write_text(roles, encoding="utf-8")
    codes = write_codes(out)
    print(f"wrote {out}, roles.yaml and {codes.name}")


if __name__ == "__main__":
    main()
