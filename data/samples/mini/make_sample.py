"""Write the small bundled sample export (deterministic; run to regenerate byte-identically).

    python data/samples/mini/make_sample.py

Two peer-support groups over three weeks, as a Mattermost bulk export (mmctl JSONL), with
moderators, participants, reply threads and reactions. All text is invented for this sample.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).parent
START = datetime(2023, 3, 6, 8, 0, tzinfo=timezone.utc)

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


def main() -> None:
    out = HERE / "export.jsonl"
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in build()),
                   encoding="utf-8")
    roles = "# role -> user names; everyone else is a participant\nmoderator: [mod.g1, mod.g2]\n"
    (HERE / "roles.yaml").write_text(roles, encoding="utf-8")
    print(f"wrote {out} and roles.yaml")


if __name__ == "__main__":
    main()
