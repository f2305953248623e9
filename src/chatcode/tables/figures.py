"""Figures of the engagement tables (matplotlib, Agg; no pyplot, no window).

- :func:`with_without_figure`: mean responses with and without each code, with 95% CIs;
- :func:`topics_figure`: mean responses per topic, with 95% CIs and the number of posts;
- :func:`latency_figure`: the distribution of reply delays (hours), mean and median marked;
- :func:`participation_figure`: a heatmap of posts and of mean responses per programme
  week, one row per group and role;
- :func:`figure_caption`: what a figure shows, for the page under it.
- :func:`survival_figure`: Kaplan-Meier curves of the time to first response (per group, or
  with vs without a code);
- :func:`network_figure`: who responds to whom (node size: responses received; colour: role);
- :func:`report_sections`: the time-to-response and network sections the report adds.

Every function returns a ``matplotlib.figure.Figure`` (shown inline in a notebook);
:func:`save` writes it as PNG and SVG. Figures are drawn without ``pyplot``, so they work
in scripts, servers and notebooks alike and never open a window.

Notes
-----
The whiskers are t-based 95% intervals of the mean (:func:`chatcode.engagement.comparisons.
mean_ci`); a group of fewer than 2 posts has none. They describe the means, while the stars
come from the table's test: under the default Mann-Whitney U test (ranks), overlapping
whiskers can go with a significant difference and separated ones with none;
:func:`figure_caption` says so under each figure. A mean of 0 is drawn as a marker on the
axis, so an empty bar is never mistaken for a missing one. SVG output is reproducible
(fixed ids, no date).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.engagement.comparisons import mean_ci
from chatcode.tables.layouts import CodedPosts, Table

__all__ = ["figure_caption", "latency_figure", "network_figure", "participation_figure",
           "report_figures", "report_sections", "save", "survival_figure",
           "topics_figure", "with_without_figure"]

WITH, WITHOUT = "#2b6cb0", "#a0aec0"
_HOUR_TICKS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 24, 48, 96, 168, 336, 720, 1440)
_RC = {"svg.hashsalt": "chatcode", "svg.fonttype": "none"}
_STYLE = {"font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11, "xtick.labelsize": 10,
          "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 12}


class _Figure(Figure):
    """A Figure that a notebook shows as an image without pyplot (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()


def _figure(width: float, height: float) -> Figure:
    fig = _Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _styled(draw):
    """Draw a figure with readable font sizes (10-12 pt at 100%)."""
    import functools

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with rc_context(_STYLE):
            return draw(*args, **kwargs)
    return wrapper


def _zero_markers(ax, positions, means, color: str) -> None:
    """A visible marker where a mean is 0 (a bar of width 0 draws nothing)."""
    zero = [p for p, m in zip(positions, means, strict=True) if m == 0]
    if zero:
        ax.plot([0] * len(zero), zero, marker="D", markersize=6, markeredgecolor="#333",
                linestyle="none", color=color, clip_on=False, zorder=5, gid="zero_mean")
        for p in zero:
            ax.annotate("0", (0, p), xytext=(5, 0), textcoords="offset points",
                        va="center", fontsize=9, color="#333")


def _err(values: np.ndarray) -> tuple[float, float, float]:
    """mean and the distances to the lower and upper 95% CI bounds (0 when undefined)."""
    mean = float(values.mean()) if len(values) else np.nan
    low, high = mean_ci(values)
    if not np.isfinite(low):
        return mean, 0.0, 0.0
    return mean, mean - low, high - mean


@_styled
def with_without_figure(coded: CodedPosts, table: Table) -> Figure:
    """Horizontal bars: mean responses with and without each code of a with/without table,
    with 95% CIs, the stars of the test, and the number of posts."""
    units, codes = coded.codes_of(table.spec.dimension)
    y = units[S.RESPONSES].to_numpy(dtype="float64")
    d = table.data
    fig = _figure(7.5, 1.2 + 0.7 * len(d))
    ax = fig.add_subplot()
    pos = np.arange(len(d))[::-1]
    for offset, color, label, has in ((0.2, WITH, "with the code", True),
                                      (-0.2, WITHOUT, "without the code", False)):
        stats = [_err(y[(codes[c].to_numpy() == 1) == has]) for c in d[S.CODE]]
        means = [s[0] for s in stats]
        err = np.array([[s[1] for s in stats], [s[2] for s in stats]])
        ax.barh(pos + offset, means, height=0.38, color=color, label=label, xerr=err,
                error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#333"})
        _zero_markers(ax, pos + offset, means, color)
    ax.set_yticks(pos, [f"{label} {st}".strip() + f"\nn = {n1} with, {n0} without"
                        for label, st, n1, n0
                        in zip(d[S.LABEL], d[S.STARS], d[S.N_WITH], d[S.N_WITHOUT],
                               strict=True)])
    _finish(ax, table.title)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def _finish(ax, title: str) -> None:
    ax.set_xlabel("Mean responses per post (whiskers: 95% t-interval of the mean)")
    ax.figure.suptitle(title, x=0.01, ha="left")
    ax.set_xlim(left=0)
    ax.spines[["top", "right"]].set_visible(False)


@_styled
def topics_figure(coded: CodedPosts, table: Table) -> Figure:
    """Bars: mean responses per topic with 95% CIs; the number of posts beside each bar."""
    units, codes = coded.codes_of(table.spec.dimension)
    y = units[S.RESPONSES].to_numpy(dtype="float64")
    d = table.data
    fig = _figure(7.5, 1.0 + 0.45 * len(d))
    ax = fig.add_subplot()
    pos = np.arange(len(d))[::-1]
    stats = [_err(y[codes[c].to_numpy() == 1]) for c in d[S.CODE]]
    err = np.array([[s[1] for s in stats], [s[2] for s in stats]])
    means = [0 if np.isnan(s[0]) else s[0] for s in stats]
    ax.barh(pos, means, height=0.6, color=WITH,
            xerr=err, error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#333"})
    _zero_markers(ax, pos, means, WITH)
    ax.set_yticks(pos, [f"{label} (n = {n})" for label, n in zip(d[S.LABEL], d[S.N],
                                                                  strict=True)])
    _finish(ax, table.title)
    return fig


@_styled
def latency_figure(corpus: CodedPosts | Corpus, *, title: str = "Delay between posts and "
                   "replies") -> Figure:
    """Histogram of the reply delays in hours (log-spaced bins), mean and median marked."""
    from chatcode.engagement.latency import reply_delays

    if isinstance(corpus, CodedPosts):
        delays = reply_delays(corpus.corpus, include_self=corpus.include_self,
                              responders=corpus.responders)
    else:
        delays = reply_delays(corpus)
    hours = delays[S.DELAY_HOURS].to_numpy(dtype="float64")
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    if len(hours):
        low = max(hours[hours > 0].min() if (hours > 0).any() else 1 / 60, 1 / 60)
        bins = np.geomspace(low, max(hours.max(), low * 2), 30)
        ax.hist(np.clip(hours, low, None), bins=bins, color=WITH, edgecolor="white")
        ax.set_xscale("log")
        ticks = [t for t in _HOUR_TICKS if bins[0] <= t <= bins[-1]]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
        for value, style, name in ((hours.mean(), "-", "mean"),
                                   (np.median(hours), "--", "median")):
            ax.axvline(max(value, low), color="#c53030", linestyle=style, linewidth=1.2,
                       label=f"{name} {value:.2f} h")
        fig.legend(loc="outside right upper", frameon=False)
    else:
        ax.text(0.5, 0.5, "no replies", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("Hours from post to reply (log scale)")
    ax.set_ylabel("Replies")
    fig.suptitle(f"{title} ({len(hours)} replies)", x=0.01, ha="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@_styled
def participation_figure(weekly: pd.DataFrame, *, title: str = "Participation per week"
                         ) -> Figure:
    """Two heatmaps over the programme weeks, one row per group and role (as far as
    ``weekly`` has them): the posts, and the mean responses per post of the week's posts,
    from :func:`chatcode.engagement.participation.participation`. Empty cells: no posts."""
    keys = [c for c in (S.GROUP, S.ROLE) if c in weekly.columns]
    per = weekly.groupby([*keys, S.WEEK], sort=True)[[S.POSTS, S.RESPONSES]].sum()
    weeks = np.arange(1, int(per.index.get_level_values(S.WEEK).max()) + 1) if len(per) \
        else np.arange(1, 2)
    rows = list(dict.fromkeys(i[:-1] for i in per.index)) if keys else [()]
    posts = np.full((len(rows), len(weeks)), np.nan)
    mean = np.full_like(posts, np.nan)
    for (*key, week), (n, resp) in zip(per.index, per.to_numpy(), strict=True):
        i = rows.index(tuple(key))
        if n > 0:
            posts[i, week - 1], mean[i, week - 1] = n, resp / n
    fig = _figure(7.5, 1.6 + 0.5 * len(rows))
    axes = fig.subplots(1, 2, sharey=True)
    labels = [" · ".join(str(k) for k in key) or "all posts" for key in rows]
    for ax, values, name, cmap in ((axes[0], posts, "Posts", "Blues"),
                                   (axes[1], mean, "Mean responses per post", "Oranges")):
        image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap,
                          interpolation="nearest", extent=(0.5, len(weeks) + 0.5,
                                                           len(rows) - 0.5, -0.5))
        ax.set_title(name, loc="left")
        ax.set_xlabel("Programme week")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_yticks(range(len(rows)), labels)
        fig.colorbar(image, ax=ax, location="bottom", shrink=0.8, pad=0.02, aspect=30)
    fig.suptitle(title, x=0.01, ha="left")
    return fig


def report_figures(coded: CodedPosts, tables: list[Table]) -> dict[str, Figure]:
    """The figures of the tables that have one, named ``table_<id>``."""
    out = {}
    for t in tables:
        if t.kind == "with_without" and len(t.data):
            out[f"table_{t.id}"] = with_without_figure(coded, t)
        elif t.kind == "topics" and len(t.data):
            out[f"table_{t.id}"] = topics_figure(coded, t)
        elif t.kind == "latency":
            out[f"table_{t.id}"] = latency_figure(coded, title=t.title)
        elif t.kind == "participation" and len(t.data):
            out[f"table_{t.id}"] = participation_figure(t.data, title=t.title)
        elif t.kind == "time_to_response" and len(t.data):
            out[f"table_{t.id}"] = survival_figure(coded, t)
        elif t.kind == "network":
            out[f"table_{t.id}"] = network_figure(coded.corpus, title=t.title)
    return out


def _km_step(ax, hours: np.ndarray, responded: np.ndarray, label: str, color: str) -> None:
    from statsmodels.duration.survfunc import SurvfuncRight

    if not len(hours) or not responded.any():
        return
    sf = SurvfuncRight(hours, responded.astype(int))
    x = np.r_[0.0, sf.surv_times]
    y = np.r_[1.0, sf.surv_prob]
    ax.step(np.maximum(x, 0.01), y, where="post", color=color, label=f"{label} (n={len(hours)})")


def survival_figure(coded: CodedPosts, table: Table) -> Figure:
    """Kaplan-Meier curves: per group, or (a table over a dimension) with vs without its
    first code; hours on a log scale."""
    from chatcode.engagement.survival import HOURS, RESPONDED, time_to_response

    data = time_to_response(coded.corpus, responses=coded.responses)
    fig = _figure(6.4, 3.6)
    ax = fig.add_subplot()
    ax.set_xscale("log")
    hours, event = data[HOURS].to_numpy(), data[RESPONDED].to_numpy(dtype=bool)
    if table.spec.dimension is None:
        colors = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#718096"]
        groups = data[S.GROUP].astype(str).to_numpy()
        for i, g in enumerate(sorted(set(groups))[:12]):
            m = groups == g
            _km_step(ax, hours[m], event[m], g, colors[i % len(colors)])
    else:
        code = str(table.data[S.CODE].iat[0])
        units, codes = coded.codes_of(table.spec.dimension)
        pos = pd.Index(data[S.POST_ID]).get_indexer(units[S.POST_ID])
        has = codes[code].to_numpy() == 1
        _km_step(ax, hours[pos][has], event[pos][has], f"with {code}", WITH)
        _km_step(ax, hours[pos][~has], event[pos][~has], f"without {code}", WITHOUT)
    top = max(1.0, float(np.nanmax(hours))) if len(hours) else 1.0
    ax.set_xlim(0.01, top * 1.1)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks([t for t in _HOUR_TICKS if t <= top])
    ax.set_xticklabels([f"{t:g}" for t in ax.get_xticks()], fontsize=7)
    ax.set_xlabel("hours since the post (log scale)")
    ax.set_ylabel("share still without a response")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, frameon=False)
    fig.suptitle(table.title, x=0.01, ha="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def network_figure(corpus: Corpus, *, title: str = "Who responds to whom") -> Figure:
    """The response network of all groups: arrows from responder to author, width by
    responses; node size by responses received; moderators dark. Layout seeded."""
    import networkx as nx

    from chatcode.engagement.network import response_network

    g = response_network(corpus)
    fig = _figure(6.4, 5.0)
    ax = fig.add_subplot()
    if g.number_of_nodes():
        pos = nx.spring_layout(g, seed=15, weight="weight")
        received = np.array([g.in_degree(n, weight="weight") for n in g.nodes], dtype=float)
        colors = [WITH if d.get("role") == S.MODERATOR else WITHOUT
                  for _, d in g.nodes(data=True)]
        widths = [0.5 + 2.5 * w / max(1, max(w for *_, w in g.edges(data="weight")))
                  for *_, w in g.edges(data="weight")]
        nx.draw_networkx_edges(g, pos, ax=ax, width=widths, alpha=0.5, arrowsize=8,
                               edge_color="#4a5568")
        nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colors,
                               node_size=60 + 400 * received / max(1.0, received.max()))
        if g.number_of_nodes() <= 60:
            nx.draw_networkx_labels(g, pos, ax=ax, font_size=6)
    ax.set_axis_off()
    ax.set_title(f"{title} (dark: moderators)", loc="left", fontsize=10)
    return fig


def report_sections(coded: CodedPosts, tables: list[Table]) -> list[Table]:
    """The sections the report adds after the tables: time to first response (per group,
    unless a table of that kind is already there) and the network summary."""
    from chatcode.codebook import TableSpec
    from chatcode.engagement.network import network_summary
    from chatcode.tables.layouts import build_table

    out = []
    if not any(t.kind == "time_to_response" for t in tables):
        out.append(build_table(coded, TableSpec("time_to_response", "time_to_response", None,
                                                "Time to first response")))
    out.append(Table(TableSpec("network", "network", None, "Who responds to whom"),
                     network_summary(coded.corpus), None,
                     ("An edge a -> b: a replied or reacted to a post of b (no "
                      "self-responses); reciprocity: share of edges answered both ways",)))
    return out


def figure_caption(table: Table) -> str:
    """What the figure of ``table`` shows, in one or two sentences."""
    if table.kind == "with_without":
        text = ("Bars: mean responses per post with and without each code; whiskers: 95% "
                "t-intervals of the means; a mean of 0 is marked on the axis.")
        if (table.test or "").startswith("Mann"):
            text += (" Stars: the Mann-Whitney U test, which compares ranks, not means: "
                     "overlapping whiskers can go with a significant difference, and "
                     "separated whiskers with none.")
        elif table.test:
            text += f" Stars: {table.test}."
        return text
    if table.kind == "topics":
        return ("Bars: mean responses per post of each topic; whiskers: 95% t-intervals of "
                "the means; n: posts with the topic.")
    if table.kind == "latency":
        return "Reply delays in hours on a log scale; lines: mean and median."
    if table.kind == "participation":
        return ("Left: posts per programme week; right: mean responses per post of that "
                "week's posts; one row per group and role; blank: no posts.")
    return ""


def save(fig: Figure, base: str | Path) -> str:
    """Write ``base.png`` (150 dpi) and ``base.svg``; return the SVG text."""
    base = Path(base)
    with rc_context(_RC):
        fig.savefig(base.with_suffix(".png"), dpi=150, metadata={"Software": None})
        fig.savefig(base.with_suffix(".svg"), metadata={"Date": None})
    return base.with_suffix(".svg").read_text(encoding="utf-8")
