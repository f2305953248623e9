"""The terminal coder: a full-screen Textual app that codes posts into a coding store.

The screen shows one post with its thread context (the thread's first post and the replies
before this one), the codebook's dimensions with a key per code, the definitions of the
focused dimension in a side panel, and "post k of N, n coded" at the top.

Keys (also shown on screen):

=====================  ==================================================================
``1``-``9``, letters    toggle a code of the focused dimension (several codes), or choose
                        it (single choice; the same key again clears it). Letters follow
                        9: ``a c d e f g h i k l m o r s t v w x y z``
``0``                   "no code" in the focused dimension
``Tab`` / ``Shift+Tab`` next / previous dimension
``Up`` / ``Down``,      move the cursor over the codes, and toggle the code under it
``Space``               (for dimensions with more codes than keys)
``Enter`` / ``n``       confirm the post and go to the next one
``Right``               next post without confirming (skip)
``Left`` / ``b`` / ``p`` previous post
``j``                   jump to the next post not coded yet
``u`` / ``Ctrl+Z``      undo the last decision (also one made before a restart)
``+`` / ``=``           accept the coding suggestion shown (with ``--suggest-from``)
``q``                   quit; everything is already saved
=====================  ==================================================================

Notes
-----
Every key that decides something writes to the store (one committed transaction) before
the screen changes. Confirming a post decides every dimension left open as "no code" (see
:mod:`chatcode.coding.store`); a post counts as coded only once confirmed. Replies and
reactions a post received are not shown, so the coder is blind to its responses.

*Suggestions* (docs/suggestions.md) are shown as a highlighted proposal next to the codes,
never set: the coder takes them with ``+`` (stored as ``accepted``) or codes as usual. Each
proposal shown is recorded in the store, so assisted and unassisted decisions can be compared.

Everything shown comes from a chat or a codebook and is shown literally: control and escape
sequences appear as symbols (``␛``, see :func:`chatcode._io.terminal.safe_text`), so no
participant of a chat can retitle, clear or redraw the coder's terminal.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from chatcode._io.terminal import safe_text
from chatcode.coding.store import CodingStore
from chatcode.corpus import schema as S

__all__ = ["CODE_KEYS", "CoderApp", "thread_context"]

#: keys for the codes of a dimension, in order: digits, then letters not used by commands
CODE_KEYS = "123456789acdefghiklmorstvwxyz"
CONTEXT_REPLIES = 5  # replies shown before the post (the thread's first post is always shown)


def thread_context(posts: pd.DataFrame, post_id: str) -> tuple[pd.DataFrame, int]:
    """The posts shown above ``post_id``: its thread's first post and the replies to it
    dated before ``post_id`` (the last ``CONTEXT_REPLIES``), in time order.

    Returns ``(context, n_left_out)``; ``posts`` is indexed by post id.
    """
    post = posts.loc[post_id]
    parent = post[S.PARENT_ID]
    if pd.isna(parent) or parent not in posts.index:
        return posts.iloc[0:0], 0
    siblings = posts[posts[S.PARENT_ID].eq(parent) & posts.index.to_series().ne(post_id)]
    before = siblings[siblings[S.TIMESTAMP] < post[S.TIMESTAMP]].sort_values(S.TIMESTAMP,
                                                                              kind="stable")
    shown = before.tail(CONTEXT_REPLIES)
    return pd.concat([posts.loc[[parent]], shown]), len(before) - len(shown)


def _post_text(pid: str, row: pd.Series, *, current: bool) -> Text:
    when = row[S.TIMESTAMP].strftime("%Y-%m-%d %H:%M UTC") if pd.notna(row[S.TIMESTAMP]) else ""
    head = Text()
    head.append(safe_text(row[S.AUTHOR]), style="bold" if current else "bold dim")
    head.append(safe_text(f" ({row[S.ROLE]})  {when}  group {row[S.GROUP]}  id {pid}"),
                style="" if current else "dim")
    if int(row[S.ATTACHMENTS]):
        head.append(f"  [{int(row[S.ATTACHMENTS])} attachment(s)]", style="italic")
    body = Text(safe_text(row[S.TEXT]), style="" if current else "dim")
    return Text("\n").join([head, body])


class CoderApp(App[None]):
    """Code the posts of a :class:`~chatcode.coding.store.CodingStore`, one at a time.

    ``posts`` is the corpus' posts table (all posts, for the thread context); ``start`` the
    index of the first post shown (default: the first post not coded yet).
    """

    TITLE = "chatcode code"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #status { dock: top; height: 1; background: $primary; color: $text; padding: 0 1; }
    #body { height: 1fr; }
    #message { height: 1; padding: 0 1; color: $warning; }
    #legend { height: auto; padding: 0 1; color: $text-muted; }
    #main { width: 3fr; padding: 0 1; }
    #side { width: 2fr; padding: 0 1; border-left: solid $primary; }
    #context { margin-bottom: 1; }
    #post { border: round $accent; padding: 0 1; margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,n", "confirm", "Confirm & next", priority=True),
        Binding("left,b,p", "back", "Back", priority=True),
        Binding("right", "skip", "Skip", priority=True),
        Binding("tab", "dimension(1)", "Next dimension", priority=True),
        Binding("shift+tab", "dimension(-1)", "Prev. dimension", show=False,
                priority=True),
        Binding("j", "jump", "Next uncoded", priority=True),
        Binding("u,ctrl+z", "undo", "Undo", priority=True),
        Binding("plus,equals_sign", "accept", "Accept suggestion", priority=True),
        Binding("q", "quit", "Quit (saved)", priority=True),
        Binding("0", "none", "No code", show=False, priority=True),
        Binding("up", "cursor(-1)", show=False, priority=True),
        Binding("down", "cursor(1)", show=False, priority=True),
        Binding("space", "toggle_cursor", show=False, priority=True),
        *(Binding(k, f"code({i})", show=False, priority=True)
          for i, k in enumerate(CODE_KEYS)),
    ]

    def __init__(self, store: CodingStore, codebook: Any, posts: pd.DataFrame, *,
                 start: int | None = None, suggestions: pd.DataFrame | None = None) -> None:
        super().__init__()
        self.suggestions = _proposals(suggestions)
        self._recorded: set[str] = set()
        self.store = store
        self.codebook = codebook
        self.posts = posts.set_index(S.POST_ID, drop=False)
        self.dimensions = tuple(codebook.dimensions)
        first = store.position() if start is None else start
        self.index = 0 if first is None else first
        self.dim = 0
        self.cursor = 0
        self.message = ""

    # --- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="body"):
            with VerticalScroll(id="main", can_focus=False):
                yield Static(id="context")
                yield Static(id="post")
                yield Static(id="dims")
            with VerticalScroll(id="side", can_focus=False):
                yield Static(id="definitions")
        yield Static(id="message")
        yield Static(self._legend(), id="legend")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = safe_text(f"coder {self.store.coder}, pass {self.store.pass_}")
        self._show()

    @property
    def post_id(self) -> str:
        """The id of the post on screen."""
        return self.store.post_ids[self.index]

    @property
    def dimension(self) -> Any:
        """The focused dimension."""
        return self.dimensions[self.dim]

    # --- actions (each decision is stored before the screen is redrawn) ---------------
    def action_code(self, i: int) -> None:
        codes = self.dimension.codes
        if i >= len(codes):
            self._say(f"{self.dimension.label} has {len(codes)} codes; key "
                      f"{CODE_KEYS[i]!r} is not used")
            return
        self.cursor = i
        self._toggle(codes[i].id)

    def action_toggle_cursor(self) -> None:
        self._toggle(self.dimension.codes[self.cursor].id)

    def _toggle(self, code: str) -> None:
        current = set(self.store.codes(self.post_id).get(self.dimension.id, ()))
        if self.dimension.multiple:
            chosen = current ^ {code}
        else:
            chosen = set() if current == {code} else {code}
        self.store.set_codes(self.post_id, self.dimension.id, chosen)
        self._say("")

    def proposal(self, post_id: str | None = None) -> dict[str, dict[str, float]]:
        """The suggestion for a post: dimension -> {code: probability} (gate open only)."""
        return self.suggestions.get(post_id or self.post_id, {})

    def action_accept(self) -> None:
        proposal = self.proposal()
        if not proposal:
            self._say("no suggestion for this post")
            return
        decided = self.store.codes(self.post_id)
        for dim in self.dimensions:
            if dim.id not in proposal:
                continue
            codes = set(proposal[dim.id])
            if dim.multiple:
                codes |= set(decided.get(dim.id, ()))
            self.store.set_codes(self.post_id, dim.id, codes, accepted=True)
        self._say("suggestion accepted; check it, then Enter to confirm")

    def action_none(self) -> None:
        self.store.set_codes(self.post_id, self.dimension.id, set())
        self._say(f"{self.dimension.label}: no code")

    def action_confirm(self) -> None:
        self.store.mark_done(self.post_id)
        n_done, n = self.store.progress()
        if self.index + 1 < n:
            self._go(self.index + 1, "")
            return
        nxt = self.store.next_uncoded(self.index)
        if nxt is None:
            self._say(f"all {n} posts are coded; press q to quit (everything is saved)")
        else:
            self._go(nxt, f"last post of the selection; back to post {nxt + 1}, the "
                     "first not coded yet")

    def action_back(self) -> None:
        if self.index == 0:
            self._say("this is the first post")
        else:
            self._go(self.index - 1, "")

    def action_skip(self) -> None:
        if self.index + 1 >= len(self.store.post_ids):
            self._say("this is the last post")
        else:
            self._go(self.index + 1, "")

    def action_jump(self) -> None:
        nxt = self.store.next_uncoded(self.index)
        if nxt is None:
            self._say("every post is coded")
        else:
            self._go(nxt, "")

    def action_undo(self) -> None:
        undone = self.store.undo()
        if undone is None:
            self._say("nothing to undo")
            return
        self.index = self.store.post_ids.index(undone.post_id)
        what = "confirmation" if undone.action == "done" else "codes"
        if undone.dimension is not None:
            self.dim = [d.id for d in self.dimensions].index(undone.dimension)
            what += f" of {self.dimension.label}"
        self.cursor = 0
        self._say(f"undone: {what} of post {undone.post_id}")

    def action_dimension(self, step: int) -> None:
        self.dim = (self.dim + step) % len(self.dimensions)
        self.cursor = 0
        self._show()

    def action_cursor(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.dimension.codes)
        self._show()

    def _go(self, index: int, message: str) -> None:
        self.index, self.dim, self.cursor = index, 0, 0
        self._say(message)

    def _say(self, message: str) -> None:
        self.message = message
        self._show()

    # --- drawing ----------------------------------------------------------------------
    def _record(self) -> None:
        """Store the proposal shown for this post (once per session and post)."""
        if self.post_id in self._recorded:
            return
        self._recorded.add(self.post_id)
        for dim, codes in self.proposal().items():
            self.store.record_suggestion(self.post_id, dim, set(codes))

    def _show(self) -> None:
        self._record()
        decided = self.store.codes(self.post_id)
        self.query_one("#status", Static).update(self._status(decided))
        self.query_one("#context", Static).update(self._thread_view())
        self.query_one("#post", Static).update(
            _post_text(self.post_id, self.posts.loc[self.post_id], current=True))
        self.query_one("#dims", Static).update(self._dims(decided))
        self.query_one("#definitions", Static).update(self._definitions())
        self.query_one("#message", Static).update(Text(safe_text(self.message)))

    def _status(self, decided: dict[str, tuple[str, ...]]) -> Text:
        n_done, n = self.store.progress()
        if self.store.is_done(self.post_id):
            state = "coded"
        elif decided:
            state = "not confirmed yet"
        else:
            state = "not coded yet"
        return Text(safe_text(
            f"post {self.index + 1} of {n}  |  {n_done} of {n} coded  |  this post: "
            f"{state}  |  coder {self.store.coder}, pass {self.store.pass_}"))

    def _thread_view(self) -> Text:
        context, left_out = thread_context(self.posts, self.post_id)
        post = self.posts.loc[self.post_id]
        if context.empty:
            parent = post[S.PARENT_ID]
            note = ("starts a thread" if pd.isna(parent) else
                    f"replies to post {parent}, which is not in the corpus")
            return Text(safe_text(f"({note})"), style="dim italic")
        parts = [Text("Thread:", style="dim underline")]
        for i, (pid, row) in enumerate(context.iterrows()):
            parts.append(_post_text(str(pid), row, current=False))
            if i == 0 and left_out:
                parts.append(Text(f"... {left_out} earlier repl(y/ies) not shown", style="dim"))
        return Text("\n").join(parts)

    def _dims(self, decided: dict[str, tuple[str, ...]]) -> Text:
        out = Text()
        for d_i, dim in enumerate(self.dimensions):
            focused = d_i == self.dim
            chosen = decided.get(dim.id)
            kind = "several codes" if dim.multiple else "one code"
            state = ("not decided" if chosen is None else
                     "no code" if not chosen else f"{len(chosen)} chosen")
            out.append("> " if focused else "  ", style="bold")
            out.append(safe_text(f"{dim.label} ({kind}): {state}"),
                       style="bold reverse" if focused else "bold")
            proposed = self.proposal().get(dim.id, {})
            if proposed:
                out.append("  suggested: " + ", ".join(proposed) + " (+ accepts)",
                           style="bold black on yellow")
            out.append("\n")
            for c_i, code in enumerate(dim.codes):
                mark = ("[x]" if dim.multiple else "(*)") if chosen and code.id in chosen \
                    else ("[ ]" if dim.multiple else "( )")
                key = CODE_KEYS[c_i] if c_i < len(CODE_KEYS) else " "
                style = "reverse" if focused and c_i == self.cursor else ""
                indent = "    " if getattr(code, "parent", None) else "  "
                out.append(f"  {indent}{mark} {key if focused else ' '} "
                           f"{safe_text(code.label)}",
                           style=style)
                if code.id in proposed:
                    out.append(f"  <- suggested (p={proposed[code.id]:.2f})",
                               style="black on yellow")
                out.append("\n")
        return out

    def _definitions(self) -> Text:
        dim = self.dimension
        out = Text()
        out.append(f"{safe_text(dim.label)}\n", style="bold underline")
        if getattr(dim, "definition", ""):
            out.append(f"{safe_text(dim.definition)}\n")
        out.append("several codes per post\n\n" if dim.multiple else
                   "at most one code per post\n\n", style="italic")
        for c_i, code in enumerate(dim.codes):
            key = CODE_KEYS[c_i] if c_i < len(CODE_KEYS) else "Space"
            out.append(f"{key}  {safe_text(code.label)}", style="bold")
            out.append(f" ({safe_text(code.id)})\n", style="dim")
            out.append(f"{safe_text(code.definition)}\n")
            for name, items in (("Include", code.include), ("Exclude", code.exclude),
                                ("Examples", code.examples)):
                if items:
                    out.append(f"{name}: ", style="italic")
                    out.append(safe_text("; ".join(items)) + "\n")
            out.append("\n")
        return out

    @staticmethod
    def _legend() -> Text:
        return Text("1-9, a c d e ...: code of the focused dimension  0: no code  "
                    "Tab: dimension  Up/Down+Space: cursor  Enter/n: confirm & next  "
                    "Left/b/p: back  Right: skip  j: next uncoded  u: undo  +: accept "
                    "suggestion  q: quit. "
                    "Confirming counts open dimensions as 'no code'.")


def _proposals(suggestions: pd.DataFrame | None) -> dict[str, dict[str, dict[str, float]]]:
    """post id -> dimension -> {code: probability} from the rows of
    :meth:`chatcode.coding.suggest.Suggester.suggest` that are suggested."""
    if suggestions is None or suggestions.empty:
        return {}
    rows = suggestions[suggestions["suggested"].astype(bool)]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for pid, dim, code, p in zip(rows[S.POST_ID], rows[S.DIMENSION], rows[S.CODE],
                                 rows["probability"], strict=True):
        out.setdefault(str(pid), {}).setdefault(str(dim), {})[str(code)] = float(p)
    return out
