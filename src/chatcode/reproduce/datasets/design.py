"""The design of the synthetic DiabPeerS protocol: kinds of posts, their codes and counts,
groups, people and the programme phases (Table 1 of the paper).

Every post has a *kind* (``KINDS``): who writes it (moderator or participant), its codes
(support, nudge and BCT), whether it may be a reply, and a forced topic where its content
demands one. The counts are chosen so that the code frequencies are the published ones:
1420 support posts (55.0% of 2584), informational 1080 (76.1% of support posts), emotional
494 (34.8%), technical 5 (0.4%), medical 3 (0.2%), goal setting 230 (8.9% of all posts),
goal achievement 44 (1.7%), behaviour change 62 (2.4%), reminders 30, playful 136, mood
questions 292, images 207, personal experiences 311 (sizes checked feasible with
``chatcode.reproduce.datasets.solve.feasible_sums``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["GROUPS", "KINDS", "Kind", "PHASES", "START", "design_posts", "people"]

START = pd.Timestamp("2022-09-05 00:00", tz="UTC")  # a Monday
# Table 1: the programme topics in order, with the weeks used here (2-3, 3, 4-5, 8, 3, 1-2, 3, 1)
PHASES = (("getting_to_know", 3), ("pathophysiology", 3), ("physical_activity", 5),
          ("healthy_eating", 8), ("self_monitoring", 3), ("medication", 2),
          ("healthy_coping", 3), ("closing", 1))
GROUPS = ("Group 1", "Group 2", "Group 3")
GROUP_SIZES = (862, 861, 861)
PARTICIPANTS = (12, 12, 13)
MOD, PART = "moderator", "participant"


@dataclass(frozen=True)
class Kind:
    """A kind of post: author role, codes, reply or root, count, forced topic."""

    name: str
    role: str
    count: int
    support: tuple[str, ...] = ()
    nudge: tuple[str, ...] = ()
    bct: tuple[str, ...] = ()
    reply: bool = False          # may be a reply (when a fitting parent has room)
    topic: str | None = None     # forced topic (else: the programme phase at its time)
    parents: tuple[str, ...] = ()  # kinds it prefers to reply to


INFO, EMO = "informational", "emotional"
KINDS: tuple[Kind, ...] = (
    # moderators: root posts
    Kind("m_fact", MOD, 200, (INFO,), ("engaging_fact",)),
    Kind("m_info", MOD, 108, (INFO,)),
    Kind("m_quiz", MOD, 90, (INFO,), ("playful",)),
    Kind("m_game", MOD, 30, (), ("playful",)),
    Kind("m_reminder", MOD, 30, (), ("reminder",)),
    Kind("m_mood", MOD, 200, (), ("mood_question",)),
    Kind("m_mood_care", MOD, 92, (EMO,), ("mood_question",)),
    Kind("m_image", MOD, 150, (INFO,), ("image",)),
    Kind("m_cocreate", MOD, 110, (), ("co_creation",)),
    Kind("m_goal", MOD, 60, (), (), ("goal_setting", "action_planning")),
    Kind("m_encourage", MOD, 100, (EMO,)),
    Kind("m_problem", MOD, 40, (INFO,), (), ("problem_solving",)),
    Kind("m_org", MOD, 40, (), (), (), False, "getting_to_know"),
    # moderators: replies to participants
    Kind("m_praise", MOD, 50, (EMO,), reply=True,
         parents=("p_achieve", "p_change", "p_goal", "p_experience")),
    Kind("m_answer", MOD, 100, (INFO,), reply=True, parents=("p_question",)),
    Kind("m_answer_care", MOD, 80, (INFO, EMO), reply=True, parents=("p_seek", "p_question")),
    Kind("m_tech", MOD, 3, ("technical",), reply=True, topic="self_monitoring",
         parents=("p_tech",)),
    # participants
    Kind("p_experience", PART, 43, (), ("personal_experience",), reply=True,
         parents=("m_cocreate", "m_info", "m_fact")),
    Kind("p_tip", PART, 80, (INFO,), ("personal_experience",), reply=True,
         parents=("p_question", "m_cocreate", "m_problem")),
    Kind("p_tip_care", PART, 82, (INFO, EMO), ("personal_experience",), reply=True,
         parents=("p_seek", "p_question")),
    Kind("p_question", PART, 150, (INFO,)),
    Kind("p_goal", PART, 170, (), (), ("goal_setting",), reply=True,
         parents=("m_goal", "m_reminder")),
    Kind("p_plan", PART, 50, (), (), ("action_planning",), reply=True,
         parents=("m_goal", "m_reminder")),
    Kind("p_achieve", PART, 44, (), ("personal_experience",), ("goal_achievement",),
         reply=True, parents=("m_reminder", "m_goal")),
    Kind("p_change", PART, 62, (), ("personal_experience",), ("behaviour_change",),
         reply=True, parents=("m_info", "m_fact", "m_cocreate")),
    Kind("p_empathy", PART, 50, (EMO,), reply=True, parents=("p_seek", "p_experience")),
    Kind("p_seek", PART, 40, (EMO,)),
    Kind("p_mood_answer", PART, 150, reply=True, topic="other",
         parents=("m_mood", "m_mood_care")),
    Kind("p_image", PART, 57, (), ("image",)),
    Kind("p_joke", PART, 16, (), ("playful",)),
    Kind("p_tech", PART, 2, ("technical",), topic="self_monitoring"),
    Kind("p_medical", PART, 3, ("medical",), reply=True, topic="medication",
         parents=("p_question",)),
    Kind("p_chat", PART, 102, reply=True, topic="other", parents=("p_chat", "m_game")),
)


def people() -> pd.DataFrame:
    """One row per person: ``group``, ``name``, ``role``, ``user_id`` index (3 + 37)."""
    rows = []
    for g, (group, n) in enumerate(zip(GROUPS, PARTICIPANTS, strict=True), start=1):
        rows.append({"group": group, "name": f"moderator.g{g}", "role": MOD})
        rows += [{"group": group, "name": f"p{g}.{i:02d}", "role": PART}
                 for i in range(1, n + 1)]
    return pd.DataFrame(rows)


def _phase_of(week: np.ndarray) -> np.ndarray:
    ends = np.cumsum([w for _, w in PHASES])
    return np.searchsorted(ends, week, side="right")


def design_posts(rng: np.random.Generator) -> pd.DataFrame:
    """Every post's kind, group, day (offset from START, in days), topic and role.

    Columns: ``kind``, ``role``, ``group``, ``day`` (float), ``topic``. Kinds are spread
    over the groups in proportion; each post gets a time in the programme, and its topic is
    the phase at that time, unless its kind forces one (then its time lies in that phase)."""
    kinds = np.repeat([k.name for k in KINDS], [k.count for k in KINDS])
    kinds = kinds[rng.permutation(len(kinds))]
    groups = np.repeat(GROUPS, GROUP_SIZES)
    weeks = sum(w for _, w in PHASES)
    frame = pd.DataFrame({"kind": kinds, "group": groups})
    frame["day"] = np.concatenate([rng.uniform(0, weeks * 7, n) for n in GROUP_SIZES])
    by_name = {k.name: k for k in KINDS}
    frame["role"] = [by_name[k].role for k in frame["kind"]]
    phase_names = np.array([p for p, _ in PHASES])
    frame["topic"] = phase_names[_phase_of(np.floor(frame["day"] / 7).astype(int))]
    starts = np.cumsum([0] + [w for _, w in PHASES]) * 7.0
    for name, kind in by_name.items():
        if kind.topic is None:
            continue
        rows = frame.index[frame["kind"].eq(name)]
        frame.loc[rows, "topic"] = kind.topic
        if kind.topic in phase_names:
            j = int(np.flatnonzero(phase_names == kind.topic)[0])
            frame.loc[rows, "day"] = rng.uniform(starts[j] + 0.5, starts[j + 1] - 1.5, len(rows))
    return frame
