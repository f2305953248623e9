"""Write the evaluation corpus (posts.csv) and its codes (codes.csv); deterministic.

    python data/evaluation/diabpeers/write_posts.py

The posts come from the hand-coded entries of bank_de.py and bank_en.py, arranged in reply
threads of four groups over a 13-week programme. Participants' texts are roughened (lower
case, missing punctuation, typos, dialect spellings in the Bavarian group, a neutral emoji);
those changes never touch what a code depends on, so every post keeps the codes its entry
was given. See README.md for how it was made and what it is good for.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import bank_de  # noqa: E402
import bank_en  # noqa: E402

SEED = 20240205
START = datetime(2024, 2, 5, 7, 30, tzinfo=UTC)
GROUPS = (("Nord", bank_de, "de"), ("Sued", bank_de, "bar"), ("Lakes", bank_en, "en"),
          ("Valley", bank_en, "en"))
# the programme: (week, topic) of each thread, in order
PLAN = ([(1, "gtk")] * 4 + [(2, "gtk"), (2, "oth")] + [(3, "path")] * 4 + [(4, "act")] * 4
        + [(5, "act")] * 3 + [(5, "oth")] + [(6, "eat")] * 3 + [(7, "eat")] * 3
        + [(8, "eat")] * 2 + [(8, "oth")] + [(9, "mon")] * 6 + [(10, "medi")] * 4
        + [(11, "cope")] * 3 + [(11, "oth")] + [(12, "cope")] * 3 + [(13, "close")] * 2)
DIMENSIONS = {
    "support": ("informational", "emotional", "technical", "medical"),
    "topic": ("getting_to_know", "pathophysiology", "physical_activity", "healthy_eating",
              "self_monitoring", "medication", "healthy_coping", "closing", "other"),
    "nudge": ("playful", "reminder", "mood_question", "image", "personal_experience",
              "co_creation", "engaging_fact"),
    "bct": ("goal_setting", "action_planning", "goal_achievement", "behaviour_change",
            "problem_solving"),
}
ALIAS = {
    "s": ("support", {"inf": "informational", "emo": "emotional", "tec": "technical",
                      "med": "medical"}),
    "t": ("topic", {"gtk": "getting_to_know", "path": "pathophysiology",
                    "act": "physical_activity", "eat": "healthy_eating",
                    "mon": "self_monitoring", "medi": "medication", "cope": "healthy_coping",
                    "close": "closing", "oth": "other"}),
    "n": ("nudge", {"play": "playful", "rem": "reminder", "mood": "mood_question",
                    "img": "image", "pex": "personal_experience", "cocr": "co_creation",
                    "fact": "engaging_fact"}),
    "b": ("bct", {"goal": "goal_setting", "plan": "action_planning",
                  "ach": "goal_achievement", "chg": "behaviour_change",
                  "prob": "problem_solving"}),
}
DIALECT = ((r"\bich\b", "i"), (r"\bnicht\b", "net"), (r"\bist\b", "is"), (r"\bein\b", "a"),
           (r"\bauch\b", "aa"), (r"\bhabe\b", "hob"), (r"\bdas\b", "des"))
NEUTRAL_EMOJI = ("🙂", "😊", "😅", "🙈")


def parse_codes(spec: str) -> tuple[dict[str, set[str]], int]:
    codes = {dim: set() for dim in DIMENSIONS}
    attachments = 0
    for token in spec.split():
        if token == "@img":
            attachments = 1
            continue
        key, values = token.split(":")
        dim, names = ALIAS[key]
        codes[dim] |= {names[v] for v in values.split(",")}
    if len(codes["topic"]) != 1:
        raise ValueError(f"one topic per post: {spec}")
    return codes, attachments


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def roughen(text: str, style: str, rng: random.Random) -> str:
    """A participant's way of typing; never changes a word a code depends on."""
    if style == "bar" and rng.random() < 0.6:
        for pattern, repl in DIALECT:
            if rng.random() < 0.7:
                text = re.sub(pattern, repl, text)
    words = text.split(" ")
    words = [typo(w, rng) if rng.random() < 0.04 else w for w in words]
    text = " ".join(words)
    if rng.random() < 0.25:
        text = text.lower()
    if rng.random() < 0.3:
        text = text.rstrip(".!")
    if rng.random() < 0.12 and not text.endswith(NEUTRAL_EMOJI):
        text += " " + rng.choice(NEUTRAL_EMOJI)
    return text


class Picker:
    """Draws entries, using each longer entry once per group while there are unused ones
    (short replies repeat freely, as they do in chats). Returns ``(entry id, entry)``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def pick(self, entries: list, key: str):
        ids = [f"{key}:{i}" for i in range(len(entries))]
        free = [i for i, e in enumerate(entries)
                if len(e[-2]) < 40 or ids[i] not in self.used]
        i = self.rng.choice(free or list(range(len(entries))))
        self.used.add(ids[i])
        return ids[i], entries[i]


OPENERS = {"de": ("Hallo zusammen, ", "Hallo ihr Lieben! ", "Moin, ", "Guten Morgen, "),
           "en": ("Hi all, ", "Morning everyone! ", "Hey, ", "Hello lovely people, ")}
CLOSERS = {"de": (" LG", " Liebe Grüße", " VG und schönen Tag noch"),
           "en": (" x", " Have a good day all", " Cheers")}


def frame(text: str, starts_thread: bool, lang: str, rng: random.Random) -> str:
    """A greeting before a thread's first post, or a sign-off, now and then (no codes)."""
    if starts_thread and rng.random() < 0.2:
        opener = rng.choice(OPENERS[lang])
        text = opener + text[0].lower() + text[1:] if text[:1].isalpha() and lang == "en" \
            else opener + text
    if len(text) > 40 and rng.random() < 0.12:
        text += rng.choice(CLOSERS[lang])
    return text


def fill(text: str, bank, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(bank.FILL[m.group(1)]), text)


def build() -> tuple[list[dict], list[dict]]:
    rng = random.Random(SEED)
    posts, codes = [], []
    for g_i, (group, bank, style) in enumerate(GROUPS):
        picker = Picker(rng)
        authors = [f"P{g_i + 1}{k:02d}" for k in range(1, 13)]
        mods = [f"M{g_i + 1}1", f"M{g_i + 1}2"]
        n = 0
        for week, topic in PLAN:
            day = START + timedelta(weeks=week - 1, days=rng.randrange(0, 6),
                                    minutes=rng.randrange(0, 600))
            lang = bank.__name__[-2:]
            entry, (role, text, spec) = picker.pick(bank.ROOTS[topic], f"{lang}:root:{topic}")
            author = rng.choice(mods) if role == "moderator" else rng.choice(authors)
            root_id = f"{group.lower()}-{n:04d}"
            items = [(root_id, None, role, author, text, spec, day, entry)]
            n += 1
            for k in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 6))):
                when = day + timedelta(minutes=rng.randrange(5, 240) * (k + 1))
                generic = rng.random() >= 0.72 or topic == "oth"
                pool, key = ((bank.GENERIC, f"{lang}:generic") if generic else
                             (bank.REPLIES[topic], f"{lang}:reply:{topic}"))
                r_entry, (r_text, r_spec) = picker.pick(pool, key)
                # moderators answer with encouragement, never with own stories or values
                mod_ok = "s:emo" in r_spec and "n:pex" not in r_spec
                r_role = "moderator" if mod_ok and rng.random() < 0.3 else "participant"
                r_author = rng.choice(mods) if r_role == "moderator" else rng.choice(
                    [a for a in authors if a != author] or authors)
                items.append((f"{group.lower()}-{n:04d}", root_id, r_role, r_author, r_text,
                              r_spec, when, r_entry))
                n += 1
            for pid, parent, role, author, text, spec, when, entry in items:
                text = fill(text, bank, rng)
                if role == "participant":
                    text = roughen(frame(text, parent is None, lang, rng), style, rng)
                post_codes, attachments = parse_codes(spec)
                posts.append({"post_id": pid, "group": group,
                              "timestamp": when.isoformat(timespec="seconds"),
                              "author": author, "role": role, "text": text,
                              "parent_id": parent or "", "attachments": attachments,
                              "src_entry": entry})
                for dim, all_codes in DIMENSIONS.items():
                    codes += [{"post_id": pid, "coder": "eval", "pass": "main",
                               "dimension": dim, "code": c,
                               "value": int(c in post_codes[dim])} for c in all_codes]
    posts.sort(key=lambda p: (p["group"], p["timestamp"], p["post_id"]))
    return posts, codes


def write(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    posts, codes = build()
    (HERE / "corpus").mkdir(exist_ok=True)
    write(posts, HERE / "corpus" / "posts.csv")
    write(codes, HERE / "codes.csv")
    print(f"{len(posts)} posts, {len(codes)} code rows")
