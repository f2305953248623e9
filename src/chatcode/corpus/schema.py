"""Column names of the canonical tables, and their validation (docs/schema.md).

Every module takes column names from here, never as scattered string literals.
``validate_posts`` and ``validate_reactions`` are the one place where a table is checked and
brought into canonical form; they collect every problem of a table and raise once.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from chatcode._io.tabular import ROW as _TABULAR_ROW
from chatcode.corpus._arrow import count_distinct, plain_text, within
from chatcode.corpus.timestamps import DATE_RANGE, parse_timestamps
from chatcode.errors import Location, Problem, Problems, SchemaError

# --- posts -------------------------------------------------------------------------------
POST_ID = "post_id"
GROUP = "group"
TIMESTAMP = "timestamp"
AUTHOR = "author"
ROLE = "role"
TEXT = "text"
PARENT_ID = "parent_id"
ATTACHMENTS = "attachments"

POST_COLUMNS = (POST_ID, GROUP, TIMESTAMP, AUTHOR, ROLE, TEXT, PARENT_ID, ATTACHMENTS)
REQUIRED_POST_COLUMNS = (POST_ID, TIMESTAMP, AUTHOR, TEXT)

# --- reactions ---------------------------------------------------------------------------
EMOJI = "emoji"
REACTION_COLUMNS = (POST_ID, AUTHOR, EMOJI, TIMESTAMP)
REQUIRED_REACTION_COLUMNS = (POST_ID, EMOJI)

# --- roles -------------------------------------------------------------------------------
MODERATOR = "moderator"
PARTICIPANT = "participant"
TEAM = "team"
BOT = "bot"
SYSTEM = "system"
ROLES = (MODERATOR, PARTICIPANT, TEAM, BOT, SYSTEM)
DEFAULT_ROLE = PARTICIPANT

# --- codes (long table of coding decisions) ----------------------------------------------
CODER = "coder"
PASS = "pass"
DIMENSION = "dimension"
CODE = "code"
VALUE = "value"
CODES_COLUMNS = (POST_ID, CODER, PASS, DIMENSION, CODE, VALUE)
CODED_AT = "coded_at"            # when the decision was made (ISO 8601 / aware datetime)
CODEBOOK_HASH = "codebook_hash"  # Codebook.hash of the codebook the coder used
CODES_EXTRA_COLUMNS = (CODED_AT, CODEBOOK_HASH)
# optional: how a coding suggestion took part in the decision of a post's dimension
SUGGESTION = "suggestion"
SUGGESTION_ACCEPTED = "accepted"  # the coder took the suggestion with the accept key
SUGGESTION_SHOWN = "shown"        # a suggestion was on screen; the coder decided otherwise
SUGGESTION_NONE = "none"          # no suggestion was shown
CONSENSUS_PASS = "consensus"

# --- responses ---------------------------------------------------------------------------
REPLIES = "replies"
REACTIONS = "reactions"
REPLY_REACTIONS = "reply_reactions"
RESPONSES = "responses"
FIRST_RESPONSE_HOURS = "first_response_hours"
RESPONSES_COLUMNS = (
    POST_ID, GROUP, REPLIES, REACTIONS, REPLY_REACTIONS, RESPONSES, FIRST_RESPONSE_HOURS
)

# --- reply latency (docs/responses.md) -----------------------------------------
DELAY_HOURS = "delay_hours"
REPLY_DELAY_COLUMNS = (POST_ID, PARENT_ID, GROUP, DELAY_HOURS)
ALL_GROUPS = "all"  # the group label of the row over the whole corpus
N = "n"
MEAN_HOURS = "mean_hours"
MEDIAN_HOURS = "median_hours"
Q1_HOURS = "q1_hours"
Q3_HOURS = "q3_hours"
FORMATTED = "formatted"
LATENCY_COLUMNS = (GROUP, N, MEAN_HOURS, MEDIAN_HOURS, Q1_HOURS, Q3_HOURS, FORMATTED)

# --- engagement tables (docs/tables.md; chatcode.tables.layouts, compare, participation) ----
LABEL = "label"
N_WITH = "n_with"
MEAN_WITH = "mean_with"
SD_WITH = "sd_with"
N_WITHOUT = "n_without"
MEAN_WITHOUT = "mean_without"
SD_WITHOUT = "sd_without"
PCT_WITH = "pct_with"
STATISTIC = "statistic"
P_VALUE = "p_value"
P_ADJUSTED = "p_adjusted"
STARS = "stars"
TEST = "test"
NOTE = "note"
Z = "z"
DF = "df"
IRR = "irr"
IRR_CI_LOW = "irr_ci_low"
IRR_CI_HIGH = "irr_ci_high"
ALPHA = "alpha"
EFFECT_MEASURE = "effect_measure"  # rank_biserial, hedges_g or rate_ratio
EFFECT_SIZE = "effect_size"
EFFECT_SE = "effect_se"
EFFECT_CI_LOW = "effect_ci_low"
EFFECT_CI_HIGH = "effect_ci_high"
MEAN_WITH_CI_LOW = "mean_with_ci_low"
MEAN_WITH_CI_HIGH = "mean_with_ci_high"
MEAN_WITHOUT_CI_LOW = "mean_without_ci_low"
MEAN_WITHOUT_CI_HIGH = "mean_without_ci_high"
P_METHOD = "p_method"  # asymptotic, exact, monte_carlo, t, cluster_robust ...
N_CLUSTERS = "n_clusters"
CLUSTER_Z = "cluster_z"  # the cluster-robust Wald statistic of the code
EFFECT_COLUMNS = (EFFECT_MEASURE, EFFECT_SIZE, EFFECT_SE, EFFECT_CI_LOW, EFFECT_CI_HIGH,
                  MEAN_WITH_CI_LOW, MEAN_WITH_CI_HIGH, MEAN_WITHOUT_CI_LOW,
                  MEAN_WITHOUT_CI_HIGH, P_METHOD)
COMPARE_COLUMNS = (N_WITH, MEAN_WITH, SD_WITH, N_WITHOUT, MEAN_WITHOUT, SD_WITHOUT,
                   STATISTIC, P_VALUE, STARS)
PCT = "pct"
MEAN = "mean"
SD = "sd"
PCT_OF_SUPPORT_POSTS = "pct_of_support_posts"
PCT_OF_ALL_POSTS = "pct_of_all_posts"
N_MODERATOR = "n_moderator"
PCT_MODERATOR = "pct_moderator"
N_PARTICIPANT = "n_participant"
PCT_PARTICIPANT = "pct_participant"
N_OTHER = "n_other"
PCT_OTHER = "pct_other"
SUPPORT_COLUMNS = (CODE, LABEL, N, PCT_OF_SUPPORT_POSTS, PCT_OF_ALL_POSTS, N_MODERATOR,
                   PCT_MODERATOR, N_PARTICIPANT, PCT_PARTICIPANT, N_OTHER, PCT_OTHER)
TOPICS_COLUMNS = (CODE, LABEL, N, PCT, MEAN, SD)
BY = "by"
LEVEL = "level"
N_POSTS = "n_posts"
FREQUENCY_COLUMNS = (DIMENSION, CODE, LABEL, BY, LEVEL, N_POSTS, N, PCT)
WEEK = "week"
WEEK_START = "week_start"
POSTS = "posts"
AUTHORS = "authors"
MEAN_RESPONSES = "mean_responses"
PARTICIPATION_COLUMNS = (GROUP, ROLE, WEEK, WEEK_START, POSTS, AUTHORS, RESPONSES,
                         MEAN_RESPONSES)

# --- sheets and files of a stored corpus -------------------------------------------------
POSTS_SHEET = "posts"
REACTIONS_SHEET = "reactions"

SRC_PREFIX = "src_"
REPLY_INFERRED = SRC_PREFIX + "reply_inferred"  # TRUE where a reply link was inferred from timing
ROW = _TABULAR_ROW  # internal: the row number the user sees in the source file (header = row 1)

__all__ = [name for name in dir() if name.isupper()] + [
    "as_id",
    "cell_text",
    "closest_columns",
    "empty_reactions",
    "require_columns",
    "validate_posts",
    "validate_reactions",
]


def closest_columns(missing: str, found: Sequence[str]) -> list[str]:
    """The columns in ``found`` whose names are closest to ``missing`` (for error hints)."""
    lowered = {str(c).lower().replace(" ", "_"): str(c) for c in found}
    hits = difflib.get_close_matches(missing.lower(), list(lowered), n=3, cutoff=0.5)
    return [lowered[h] for h in hits]


def require_columns(
    df: pd.DataFrame, required: Sequence[str], *, where: Location, what: str = "table"
) -> None:
    """Raise one SchemaError naming every missing column, the columns found and close matches."""
    found = [str(c) for c in df.columns if not str(c).startswith("_")]
    missing = [c for c in required if c not in df.columns]
    if not missing:
        return
    problems = []
    for col in missing:
        close = closest_columns(col, found)
        hint = f"closest: {', '.join(repr(c) for c in close)}" if close else None
        problems.append(Problem(f"missing required column {col!r}", where, hint))
    listing = ", ".join(repr(c) for c in found) or "(none)"
    fix = (
        f"the {what} has the columns {listing}; rename the columns to the canonical names "
        "or give a mapping file (chatcode ingest --mapping MAP.yaml, see docs/ingest.md)"
    )
    problems = [Problem(p.message, p.where, "; ".join(filter(None, [p.hint, fix])))
                for p in problems]
    raise Problems.of(SchemaError, problems)


def _rows(df: pd.DataFrame, mask: pd.Series) -> list[int]:
    if ROW in df.columns:
        return [int(r) for r in df.loc[mask, ROW]]
    return [int(i) + 2 for i in np.flatnonzero(mask.to_numpy())]


def _fmt_rows(rows: list[int], values: list[object] | None = None, limit: int = 8) -> str:
    if values is None:
        shown = ", ".join(str(r) for r in rows[:limit])
    else:
        pairs = zip(rows[:limit], values[:limit], strict=False)
        shown = ", ".join(f"{r} ({v!r})" for r, v in pairs)
    more = len(rows) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def as_id(values: pd.Series) -> pd.Series:
    """Ids as strings: integral floats (``123.0`` from Excel) become ``"123"``; empty -> NA."""
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return str(int(v))
        s = str(v).strip()
        return s or None

    if values.dtype != object and pd.api.types.is_string_dtype(values.dtype):
        if plain_text(values):  # nothing to strip, nothing empty (checked column-wise)
            return values.astype("str")
        s = values.str.strip()
        return s.where(s.ne(""), None).astype("str")
    return values.map(one).astype("str")


def _as_text(values: pd.Series) -> pd.Series:
    return cell_text(values).fillna("")


def cell_text(values: pd.Series) -> pd.Series:
    """Cells as text, the same whether read from CSV or from Excel: ``2.0`` -> ``"2"``,
    Excel datetimes -> ISO 8601 text; empty cells stay missing."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            values.dtype):
        return values.map(lambda v: v.isoformat(sep=" ") if pd.notna(v) else None).astype("str")

    def one(v: object) -> object:
        if v is None or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, bool):
            return str(v).upper()
        if isinstance(v, (float, np.floating)):
            if np.isnan(v):
                return None
            return str(int(v)) if float(v).is_integer() else repr(float(v))
        if hasattr(v, "isoformat"):
            return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
        return str(v)

    return values.map(one).astype("str")


def validate_posts(
    df: pd.DataFrame,
    *,
    where: Location | None = None,
    group: str | None = None,
    timezone: str = "UTC",
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
) -> pd.DataFrame:
    """Check a posts table and return it in canonical form (docs/schema.md).

    ``group`` fills the group column where the table has none (or an empty cell); naive
    timestamps are read in ``timezone``. Columns that are not canonical are kept with the
    ``src_`` prefix. The caller's DataFrame is not changed. Raises :class:`SchemaError`
    (one, listing every problem) when the table cannot be made canonical.
    """
    where = where or Location()
    require_columns(df, REQUIRED_POST_COLUMNS, where=where, what="posts table")
    problems: list[Problem] = []

    def at(column: str) -> Location:
        return Location(where.file, where.sheet, None, column)

    out = pd.DataFrame(index=df.index)
    post_id = as_id(df[POST_ID])
    missing_id = post_id.isna()
    if missing_id.any():
        rows = _rows(df, missing_id)
        problems.append(Problem(f"empty post id in row(s) {_fmt_rows(rows)}", at(POST_ID),
                                "every post needs a unique id"))
    if count_distinct(post_id) < int((~missing_id).sum()):  # one hash pass
        dup = post_id.duplicated(keep=False) & ~missing_id
        rows = _rows(df, dup)
        problems.append(Problem(
            f"duplicate post ids in rows {_fmt_rows(rows, post_id[dup].tolist())}",
            at(POST_ID), "post ids must be unique; remove the repeated rows or fix the ids"))
    out[POST_ID] = post_id

    if GROUP in df.columns and plain_text(df[GROUP]):  # nothing to strip, nothing empty
        g = df[GROUP].astype("str")
        g = g.where(g.notna(), group) if g.hasnans else g
    elif GROUP in df.columns:
        g = df[GROUP].astype("str").str.strip()
        g = g.where(g.ne("") & g.notna(), group)
    else:
        g = pd.Series(group, index=df.index, dtype="str")
    if g.isna().any():
        rows = _rows(df, g.isna())
        problems.append(Problem(f"no group for row(s) {_fmt_rows(rows)}", at(GROUP),
                                "add a group column or give --group NAME"))
    out[GROUP] = g.astype("str")

    ts, bad = parse_timestamps(df[TIMESTAMP], timezone=timezone, fmt=timestamp_format,
                               unit=timestamp_unit)
    empty_ts = ts.isna() & ~bad
    if bad.any():
        rows = _rows(df, bad)
        vals = df.loc[bad, TIMESTAMP].tolist()
        expect = (f"expected the format {timestamp_format!r}" if timestamp_format else
                  "expected ISO 8601 such as 2023-05-02 08:00:00 or 2023-05-02T08:00:00+02:00"
                  f" (dates from {DATE_RANGE}) or epoch milliseconds")
        problems.append(Problem(
            f"cannot read {int(bad.sum())} timestamp(s) in rows {_fmt_rows(rows, vals)}",
            at(TIMESTAMP), expect + "; or set timestamp_format in a mapping file"))
    if empty_ts.any():
        rows = _rows(df, empty_ts)
        problems.append(Problem(f"empty timestamp in row(s) {_fmt_rows(rows)}", at(TIMESTAMP),
                                "every post needs the time it was posted"))
    out[TIMESTAMP] = ts

    author = df[AUTHOR].astype("str")
    if plain_text(author):  # nothing to strip, nothing empty (checked column-wise)
        no_author = author.isna()
    else:
        author = author.str.strip()
        no_author = author.isna() | author.eq("")
    if no_author.any():
        rows = _rows(df, no_author)
        problems.append(Problem(f"empty author in row(s) {_fmt_rows(rows)}", at(AUTHOR),
                                "every post needs an author (user name or pseudonym)"))
    out[AUTHOR] = author

    if ROLE in df.columns and within(df[ROLE], ROLES):  # canonical already: nothing to do
        role = df[ROLE]
    elif ROLE in df.columns:
        role = df[ROLE].astype("str").str.strip().str.lower()
        role = role.where(role.notna() & role.ne(""), DEFAULT_ROLE)
        bad_role = ~role.isin(ROLES)
        if bad_role.any():
            rows = _rows(df, bad_role)
            problems.append(Problem(
                f"unknown role in rows {_fmt_rows(rows, role[bad_role].tolist())}", at(ROLE),
                f"use one of {', '.join(ROLES)}"))
    else:
        role = pd.Series(DEFAULT_ROLE, index=df.index, dtype="str")
    out[ROLE] = role.astype("str")

    out[TEXT] = _as_text(df[TEXT])
    out[PARENT_ID] = as_id(df[PARENT_ID]) if PARENT_ID in df.columns else pd.Series(
        None, index=df.index, dtype="str")

    if ATTACHMENTS in df.columns:
        raw = df[ATTACHMENTS]
        if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "iu":  # no text pass
            num, bad_att = raw, raw < 0
        else:
            num = pd.to_numeric(raw.where(raw.astype("str").str.strip().ne("")),
                                errors="coerce")
            bad_att = (num.isna() & raw.notna() & raw.astype("str").str.strip().ne("")) | (
                num.notna() & ((num < 0) | (num % 1 != 0)))
        if bad_att.any():
            rows = _rows(df, bad_att)
            problems.append(Problem(
                f"attachments is not a whole number >= 0 in rows "
                f"{_fmt_rows(rows, raw[bad_att].tolist())}", at(ATTACHMENTS),
                "give the number of files attached to the post (0 if none)"))
        out[ATTACHMENTS] = num.fillna(0).where(~bad_att, 0).astype("int64")
    else:
        out[ATTACHMENTS] = np.zeros(len(df), dtype="int64")

    if problems:
        raise Problems.of(SchemaError, problems,
                          title=f"{where}: the posts table has {len(problems)} problem(s)"
                          if len(problems) > 1 else None)
    out = pd.concat([out, _extra_columns(df, POST_COLUMNS)], axis=1)
    return out.reset_index(drop=True)


def validate_reactions(
    df: pd.DataFrame | None,
    *,
    where: Location | None = None,
    timezone: str = "UTC",
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
) -> pd.DataFrame:
    """Check a reactions table and return it in canonical form; ``None`` gives an empty one.

    ``author`` and ``timestamp`` may be empty (a reaction counted in an export without who or
    when). Raises :class:`SchemaError` listing every problem.
    """
    if df is None:
        return empty_reactions()
    where = where or Location()
    require_columns(df, REQUIRED_REACTION_COLUMNS, where=where, what="reactions table")
    problems: list[Problem] = []
    out = pd.DataFrame(index=df.index)
    post_id = as_id(df[POST_ID])
    if post_id.isna().any():
        rows = _rows(df, post_id.isna())
        problems.append(Problem(f"empty post id in row(s) {_fmt_rows(rows)}",
                                Location(where.file, where.sheet, None, POST_ID),
                                "every reaction names the post it reacts to"))
    out[POST_ID] = post_id
    if AUTHOR in df.columns and plain_text(df[AUTHOR]):  # nothing to strip, nothing empty
        out[AUTHOR] = df[AUTHOR].astype("str")
    elif AUTHOR in df.columns:
        a = df[AUTHOR].astype("str").str.strip()
        out[AUTHOR] = a.where(a.ne(""), None)
    else:
        out[AUTHOR] = pd.Series(None, index=df.index, dtype="str")
    emoji = df[EMOJI].astype("str")
    emoji = emoji if plain_text(emoji) else emoji.str.strip()
    if (emoji.isna() | emoji.eq("")).any():
        rows = _rows(df, emoji.isna() | emoji.eq(""))
        problems.append(Problem(f"empty emoji in row(s) {_fmt_rows(rows)}",
                                Location(where.file, where.sheet, None, EMOJI),
                                "name the reaction, e.g. thumbsup"))
    out[EMOJI] = emoji
    if TIMESTAMP in df.columns:
        ts, bad = parse_timestamps(df[TIMESTAMP], timezone=timezone, fmt=timestamp_format,
                                   unit=timestamp_unit)
        if bad.any():
            rows = _rows(df, bad)
            problems.append(Problem(
                f"cannot read {int(bad.sum())} timestamp(s) in rows "
                f"{_fmt_rows(rows, df.loc[bad, TIMESTAMP].tolist())}",
                Location(where.file, where.sheet, None, TIMESTAMP),
                f"expected ISO 8601 such as 2023-05-02T08:00:00+02:00 (dates from {DATE_RANGE}),"
                " or leave it empty"))
        out[TIMESTAMP] = ts
    else:
        out[TIMESTAMP] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    if problems:
        raise Problems.of(SchemaError, problems)
    out = pd.concat([out, _extra_columns(df, REACTION_COLUMNS)], axis=1)
    return out.reset_index(drop=True)


def empty_reactions() -> pd.DataFrame:
    """A reactions table with no rows and the canonical columns and types."""
    return pd.DataFrame({
        POST_ID: pd.Series([], dtype="str"),
        AUTHOR: pd.Series([], dtype="str"),
        EMOJI: pd.Series([], dtype="str"),
        TIMESTAMP: pd.Series([], dtype="datetime64[ns, UTC]"),
    })


def _extra_columns(df: pd.DataFrame, canonical: Sequence[str]) -> pd.DataFrame:
    extra = [c for c in df.columns if c not in canonical and not str(c).startswith("_")]
    kept = pd.DataFrame({c: cell_text(df[c]) for c in extra}, index=df.index)
    kept.columns = [c if str(c).startswith(SRC_PREFIX) else f"{SRC_PREFIX}{c}" for c in extra]
    return kept
