"""Author roles from a roles file (``--roles ROLES.yaml``).

The file maps a role to the user names or user ids that have it::

    moderator: [anna.mod, "8xk2..."]
    team: [study.team]

Users not listed keep the role their export gave them (``participant`` by default; system
and bot posts stay ``system``/``bot``). A name is matched against the author and, where the
export has them, the ``src_user_id``, ``src_user_name`` and ``src_user_email`` columns.
Names are compared after ``normalize_name`` on both sides: invisible formatting characters
(LRM/RLM, bidi embeddings and isolates, BOM) removed, odd spaces (no-break, narrow no-break,
thin, ...) read as spaces, runs of spaces as one, no spaces at the ends. So a roles file typed
by a person matches ``~\u202fAnna`` or ``\u202a+49 151 2345678\u202c`` as exported.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from chatcode._io.textfile import read_user_text
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeWarning, IngestError, Location, Problem, Problems

__all__ = ["apply_roles", "normalize_name", "read_roles", "role_counts"]

# invisible formatting characters in names (chat apps put them around phone numbers and
# after "~"): LRM, RLM, LRE..RLO (U+202A-202E), LRI..PDI (U+2066-2069), BOM
INVISIBLE = "\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
# spaces other than U+0020: no-break, en quad .. hair space, narrow no-break, medium math
ODD_SPACES = "\u00a0\u2000-\u200a\u202f\u205f\u3000"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
_SPACES_RE = re.compile(f"[ {ODD_SPACES}]+")


def normalize_name(name: str) -> str:
    """``name`` without invisible formatting characters, with plain single spaces, trimmed."""
    return _SPACES_RE.sub(" ", _INVISIBLE_RE.sub("", name)).strip()


def _normalized(values: pd.Series) -> pd.Series:
    text = values.astype("str")
    return (text.str.replace(_INVISIBLE_RE.pattern, "", regex=True)
            .str.replace(_SPACES_RE.pattern, " ", regex=True).str.strip())


ID_COLUMNS = ("src_user_id", "src_user_name", "src_user_email", "src_username")


def read_roles(path: str | Path) -> dict[str, list[str]]:
    """Read and check a roles file: ``{role: [user, ...]}``.

    Every name is read as written (``no`` or ``0123`` stay text). All problems of the file
    are reported at once.
    """
    path = Path(path)
    try:
        data = yaml.load(read_user_text(path, "roles file", "--roles"), Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Location(path, line=mark.line + 1 if mark else None)
        raise IngestError(f"the roles file is not valid YAML ({getattr(exc, 'problem', exc)})",
                          where=where, hint="write it as 'moderator: [name1, name2]'") from exc
    if not isinstance(data, dict) or not data:
        raise IngestError("the roles file must map roles to lists of user names",
                          where=Location(path), hint="e.g. 'moderator: [anna, ben]'")
    roles: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for key, users in data.items():
        role = str(key).strip().lower()
        if role not in S.ROLES:
            problems.append(Problem(f"unknown role {role!r}", Location(path),
                                    f"use one of {', '.join(S.ROLES)}"))
            continue
        if isinstance(users, str):
            users = [users]
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            problems.append(Problem(f"the users of {role!r} must be a list of names",
                                    Location(path), f"write '{role}: [name1, name2]'"))
            continue
        names = [u.strip() for u in users if u.strip()]
        for name in names:
            if name in seen and seen[name] != role:
                problems.append(Problem(f"{name!r} is listed as {seen[name]} and as {role}",
                                        Location(path), "give every user one role"))
            seen.setdefault(name, role)
        roles[role] = names
    if problems:
        raise Problems.of(IngestError, problems,
                          title=f"{path}: the roles file has {len(problems)} problems"
                          if len(problems) > 1 else None)
    return roles


def apply_roles(posts: pd.DataFrame, roles: dict[str, list[str]], *,
                source: str | Path = "roles file") -> pd.DataFrame:
    """Set ``role`` for the listed users; warn about listed names that never post.

    Raises :class:`IngestError` when the file names nobody who posts in the export.
    """
    keys = [_normalized(posts[S.AUTHOR])] + [_normalized(posts[c]) for c in ID_COLUMNS
                                             if c in posts.columns]
    out = posts.copy()
    role_col = out[S.ROLE].copy()
    unused: list[str] = []
    for role, names in roles.items():
        for name in names:
            hit = pd.Series(False, index=posts.index)
            for key in keys:
                hit |= key.eq(normalize_name(name)).fillna(False)
            if hit.any():
                role_col[hit] = role
            else:
                unused.append(name)
    listed = sum(len(n) for n in roles.values())
    if listed and len(unused) == listed:
        sample = ", ".join(sorted(posts[S.AUTHOR].unique())[:10])
        raise IngestError(
            f"the roles file names nobody who posts in the export ({', '.join(unused[:10])})",
            where=Location(source),
            hint=f"use the user names or ids of the export, e.g. {sample}")
    if unused:
        warnings.warn(ChatcodeWarning(
            f"{source}: {len(unused)} listed user(s) never post: {', '.join(unused)}"),
            stacklevel=2)
    out[S.ROLE] = role_col.astype("str")
    return out


def role_counts(posts: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per role (in sorted order): the number of distinct authors and of posts.

    Counted from the codes of the two columns (one hash pass each), without splitting the
    table by role."""
    role, roles = pd.factorize(posts[S.ROLE], sort=True)  # (missing: -1, not counted)
    author, authors = pd.factorize(posts[S.AUTHOR])
    n_posts = np.bincount(role[role >= 0], minlength=len(roles))
    both = (role >= 0) & (author >= 0)
    pairs = np.unique(role[both].astype(np.int64) * len(authors) + author[both])
    n_authors = np.bincount(pairs // max(len(authors), 1), minlength=len(roles))
    return {str(r): {"authors": int(a), "posts": int(n)}
            for r, a, n in zip(roles, n_authors, n_posts, strict=True)}
