"""The workbench web app (Starlette): the coder page, the lead page and their JSON API.

Routes (nothing in a URL names a file: passes are numbers, static assets a fixed list)::

    GET  /t/{token}                 log in with a personal link, then go to one's page
    GET  /                          the coder's passes (the lead goes to /lead)
    GET  /code/{pass}?i=K           code post K of a pass (default: the first not coded)
    POST /api/pass/{pass}/codes     {"post", "dimension", "codes": [...]} -> the post's codes
    POST /api/pass/{pass}/done      {"post"} -> confirm it; the next post's index
    POST /api/pass/{pass}/undo      {} -> take back the latest decision
    POST /api/pass/{pass}/memo      {"post", "memo"}
    GET  /api/pass/{pass}/state     progress, position, and the codes of ?post=ID
    GET  /lead                      coders, passes, progress, agreement, consensus
    POST /lead/coders, /lead/link, /lead/passes, /lead/consensus   (forms)
    POST /logout
    GET  /static/{name}             the package's own css/js (a fixed list)

A coder reaches only their own passes; the lead reaches the lead page and the consensus
passes, never a coder's pass page (coders stay blind, and the lead cannot change their codes).
"""

from __future__ import annotations

import contextlib
import json
import threading
from importlib import resources
from typing import Any

import anyio.to_thread
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from chatcode.coding.project import CONSENSUS_CODER, LEAD, Assignment, Project
from chatcode.coding.selection import Selection
from chatcode.coding.workbench.access import (
    FailedLogins,
    SecurityHeaders,
    Session,
    csrf_ok,
    log,
)
from chatcode.coding.workbench.lead import agreement_sections, read_passes
from chatcode.coding.workbench.passes import CorpusView, StoreWorkers, dimension_view
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeError

__all__ = ["create_app"]

COOKIE = "chatcode_session"
STATIC = {"workbench.css": "text/css", "coder.js": "text/javascript",
          "favicon.svg": "image/svg+xml"}
MAX_BODY = 64_000


class Denied(Exception):
    """Answered with 403 (a page, or JSON under /api/)."""


class Workbench:
    """The state shared by the handlers of one project."""

    def __init__(self, project: Project, *, secure: bool, fail_delay: float) -> None:
        self.project = project
        self.db_lock = threading.Lock()
        self.workers = StoreWorkers(project)
        self.view = CorpusView(project.corpus.posts, project.corpus.reactions)
        self.dims = dimension_view(project.codebook)
        self.failed = FailedLogins(fail_delay)
        self.secure = secure
        self.cookie = ("__Host-" if secure else "") + COOKIE
        self.sessions: dict[str, Session] = {}
        self.passes: dict[int, Assignment] = {}
        self.env = Environment(loader=PackageLoader("chatcode.coding.workbench", "templates"),
                               autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.static = {name: resources.files("chatcode.coding.workbench").joinpath(
            "static", name).read_bytes() for name in STATIC}

    async def db(self, fn, *args):
        """Run ``fn(*args)`` on the project database, one call at a time, off the loop."""
        def call():
            with self.db_lock:
                return fn(*args)
        return await anyio.to_thread.run_sync(call)

    # --- sessions -----------------------------------------------------------------------
    async def session(self, request: Request) -> Session | None:
        sid = request.cookies.get(self.cookie)
        if not sid or len(sid) > 100:
            return None
        if sid not in self.sessions:
            found = await self.db(self.project.session, sid)
            if found is None:
                return None
            self.sessions[sid] = Session(*found)
        return self.sessions[sid]

    async def require(self, request: Request, *, lead: bool = False,
                      write: bool = False) -> Session:
        session = await self.session(request)
        if session is None or (lead and not session.is_lead):
            raise Denied("open your personal link first" if session is None else
                         "this page is for the lead")
        if write:
            given = request.headers.get("x-csrf-token")
            if given is None and request.headers.get("content-type", "").startswith(
                    "application/x-www-form-urlencoded"):
                given = (await request.form()).get("csrf")
            if not csrf_ok(session, given):
                log.warning("workbench: write without a valid CSRF token by %s", session.name)
                raise Denied("the request lacks the page's CSRF token; reload the page")
        return session

    async def assignment(self, aid: int) -> Assignment | None:
        """A pass by number (passes never change once made, so they are kept in memory)."""
        if aid not in self.passes:
            found = await self.db(self.project.assignment, aid)
            if found is None:
                return None
            self.passes[aid] = found
        return self.passes[aid]

    async def own_pass(self, session: Session, aid: int) -> Assignment:
        a = await self.assignment(aid)
        allowed = a is not None and (a.coder == session.name or (
            session.is_lead and a.coder == CONSENSUS_CODER))
        if not allowed:
            raise Denied("this pass is not yours")
        return a

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


async def _json(request: Request) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise ChatcodeError("send JSON (Content-Type: application/json)")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ChatcodeError("the request is too large")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ChatcodeError("the request is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ChatcodeError("the request must be a JSON object")
    return data


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ChatcodeError(f"{key!r} must be a string")
    return value


# --- handlers ---------------------------------------------------------------------------

def _routes(wb: Workbench) -> list[Route]:
    async def login(request: Request) -> Response:
        token = request.path_params["token"]
        client = request.client.host if request.client else "unknown"
        who = await wb.db(wb.project.who, token) if len(token) <= 100 else None
        if who is None:
            await wb.failed.failed(client)
            return wb.page("denied.html", 403, reason="This link is not valid (any more). "
                           "Ask the lead for your personal link.")
        wb.failed.succeeded(client)
        sid, _ = await wb.db(wb.project.new_session, who[0])
        log.info("workbench: %s logged in from %s", who[0], client)
        response = RedirectResponse("/lead" if who[1] == "lead" else "/", status_code=303)
        response.set_cookie(wb.cookie, sid, httponly=True, samesite="strict",
                            secure=wb.secure, path="/")
        return response

    async def logout(request: Request) -> Response:
        await wb.require(request, write=True)
        sid = request.cookies.get(wb.cookie, "")
        wb.sessions.pop(sid, None)
        await wb.db(wb.project.end_session, sid)
        response = wb.page("denied.html", 200, reason="You are logged out.")
        response.delete_cookie(wb.cookie, path="/")
        return response

    async def home(request: Request) -> Response:
        session = await wb.require(request)
        if session.is_lead:
            return RedirectResponse("/lead", status_code=303)
        passes = await wb.db(wb.project.assignments, session.name)
        rows = []
        for a in passes:
            done, n = await wb.workers.get(a).run(lambda s: s.progress())
            rows.append({"a": a, "done": done, "n": n})
        return wb.page("home.html", session=session, rows=rows)

    async def code_page(request: Request) -> Response:
        session = await wb.require(request)
        a = await wb.own_pass(session, request.path_params["aid"])
        want = _int(request.query_params.get("i"))

        def state(store):
            n = len(store.post_ids)
            i = want if want is not None and 0 <= want < n else (store.position() or 0)
            pid = store.post_ids[i]
            return i, n, pid, store.codes(pid), store.is_done(pid), store.progress()[0]

        i, n, pid, codes, done, n_done = await wb.workers.get(a).run(state)
        compare = []
        for other in a.compares:
            b = await wb.assignment(other)
            theirs = await wb.workers.get(b).run(lambda s, p=pid: s.codes(p))
            compare.append({"label": b.label, "codes": theirs})
        memo = await wb.db(wb.project.memo, a.id, pid)
        return wb.page("coder.html", session=session, a=a, i=i, n=n, n_done=n_done,
                       done=done, codes=codes, memo=memo, dims=wb.dims, compare=compare,
                       **wb.view.thread(pid))

    async def api_codes(request: Request) -> Response:
        session = await wb.require(request, write=True)
        a = await wb.own_pass(session, request.path_params["aid"])
        data = await _json(request)
        pid, dim = _text(data, "post"), _text(data, "dimension")
        chosen = data.get("codes")
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise ChatcodeError("'codes' must be a list of code ids")

        def decide(store):
            changed = store.set_codes(pid, dim, chosen)
            return changed, store.codes(pid), store.progress()

        changed, codes, (n_done, n) = await wb.workers.get(a).run(decide)
        return JSONResponse({"ok": True, "saved": True, "changed": changed, "codes": codes,
                             "n_done": n_done, "n": n})

    async def api_done(request: Request) -> Response:
        session = await wb.require(request, write=True)
        a = await wb.own_pass(session, request.path_params["aid"])
        pid = _text(await _json(request), "post")

        def confirm(store):
            changed = store.mark_done(pid)
            i = store.post_ids.index(pid)
            n_done, n = store.progress()
            nxt = i + 1 if i + 1 < n else store.next_uncoded(i)
            return changed, nxt, n_done, n, store.codes(pid)

        changed, nxt, n_done, n, codes = await wb.workers.get(a).run(confirm)
        return JSONResponse({"ok": True, "saved": True, "changed": changed, "next": nxt,
                             "n_done": n_done, "n": n, "codes": codes})

    async def api_undo(request: Request) -> Response:
        session = await wb.require(request, write=True)
        a = await wb.own_pass(session, request.path_params["aid"])
        await _json(request)

        def undo(store):
            undone = store.undo()
            if undone is None:
                return None, None, store.progress()
            return undone, store.post_ids.index(undone.post_id), store.progress()

        undone, i, (n_done, n) = await wb.workers.get(a).run(undo)
        return JSONResponse({"ok": True, "saved": True, "undone": None if undone is None else
                             {"action": undone.action, "post": undone.post_id,
                              "dimension": undone.dimension}, "index": i,
                             "n_done": n_done, "n": n})

    async def api_memo(request: Request) -> Response:
        session = await wb.require(request, write=True)
        a = await wb.own_pass(session, request.path_params["aid"])
        data = await _json(request)
        pid, memo = _text(data, "post"), _text(data, "memo")
        await wb.workers.get(a).run(lambda s: s.codes(pid))  # checks the post is in the pass
        await wb.db(wb.project.set_memo, a.id, pid, memo)
        return JSONResponse({"ok": True, "saved": True})

    async def api_state(request: Request) -> Response:
        session = await wb.require(request)
        a = await wb.own_pass(session, request.path_params["aid"])
        pid = request.query_params.get("post")

        def state(store):
            n_done, n = store.progress()
            out = {"n_done": n_done, "n": n, "position": store.position()}
            if pid is not None:
                out |= {"post": pid, "codes": store.codes(pid), "done": store.is_done(pid)}
            return out

        return JSONResponse(await wb.workers.get(a).run(state))

    async def lead_page(request: Request, notice: dict | None = None,
                        status: int = 200) -> Response:
        session = await wb.require(request, lead=True)
        people = await wb.db(wb.project.people)
        passes = await wb.db(wb.project.assignments)
        rows = []
        for a in passes:
            done, n = await wb.workers.get(a).run(lambda s: s.progress())
            rows.append({"a": a, "done": done, "n": n})
        codes = await anyio.to_thread.run_sync(read_passes, wb.project, passes)
        sections = await anyio.to_thread.run_sync(agreement_sections, wb.project, passes,
                                                  codes)
        groups = sorted(wb.project.corpus.posts[S.GROUP].dropna().unique().tolist())
        return wb.page("lead.html", status, session=session, people=people, rows=rows,
                       sections=sections, groups=groups, notice=notice or {},
                       base=str(request.base_url).rstrip("/"), lead=LEAD)

    async def lead_form(request: Request) -> dict[str, str]:
        await wb.require(request, lead=True, write=True)
        return {k: str(v) for k, v in (await request.form()).items()}

    def shown_on_lead_page(handler):
        """A lead form: a mistake is shown on the lead page, with what to fix."""
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except (ChatcodeError, ValueError) as exc:
                return await lead_page(request, {"error": str(exc)}, 400)
        return wrapped

    @shown_on_lead_page
    async def add_coder(request: Request) -> Response:
        form = await lead_form(request)
        name = form.get("name", "").strip()
        token = await wb.db(wb.project.add_coder, name)
        return await lead_page(request, {"name": name, "token": token})

    @shown_on_lead_page
    async def new_link(request: Request) -> Response:
        form = await lead_form(request)
        name = form.get("name", "")
        if name == LEAD:
            raise ChatcodeError("the lead's link is made new each time chatcode serve starts")
        token = await wb.db(wb.project.new_token, name)
        wb.sessions = {k: v for k, v in wb.sessions.items() if v.name != name}
        return await lead_page(request, {"name": name, "token": token})

    @shown_on_lead_page
    async def add_pass(request: Request) -> Response:
        form = await lead_form(request)
        kind = form.get("kind", "all")
        pct = float(form["pct"]) if form.get("pct") else None
        group = form.get("group") or None
        seed = _int(form.get("seed")) if form.get("seed") else None
        selection = Selection(kind, pct=None if kind == "all" else pct, group=group,  # type: ignore[arg-type]
                              seed=seed if kind == "sample" else None,
                              stratify=kind == "sample" and form.get("stratify") == "on")
        await wb.db(wb.project.assign, form.get("coder", ""), form.get("pass", ""), selection)
        return RedirectResponse("/lead", status_code=303)

    @shown_on_lead_page
    async def make_consensus(request: Request) -> Response:
        form = await lead_form(request)
        a, b = _int(form.get("a")), _int(form.get("b"))
        name = form.get("pass") or S.CONSENSUS_PASS
        made = await wb.db(wb.project.assign_consensus, a, b, name)
        return RedirectResponse(f"/code/{made.id}", status_code=303)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(wb.static[name], media_type=STATIC[name],
                        headers={"cache-control": "no-cache"})

    return [
        Route("/t/{token}", login),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home),
        Route("/code/{aid:int}", code_page),
        Route("/api/pass/{aid:int}/codes", api_codes, methods=["POST"]),
        Route("/api/pass/{aid:int}/done", api_done, methods=["POST"]),
        Route("/api/pass/{aid:int}/undo", api_undo, methods=["POST"]),
        Route("/api/pass/{aid:int}/memo", api_memo, methods=["POST"]),
        Route("/api/pass/{aid:int}/state", api_state),
        Route("/lead", lead_page),
        Route("/lead/coders", add_coder, methods=["POST"]),
        Route("/lead/link", new_link, methods=["POST"]),
        Route("/lead/passes", add_pass, methods=["POST"]),
        Route("/lead/consensus", make_consensus, methods=["POST"]),
        Route("/static/{name}", static),
    ]


def create_app(project: str | Project, *, secure: bool = False, fail_delay: float = 0.5,
               allowed_hosts: list[str] | None = None) -> Starlette:
    """The workbench app of a project folder (or an open :class:`Project`).

    ``secure``: served over HTTPS (the session cookie gets ``Secure`` and the ``__Host-``
    prefix). ``fail_delay``: seconds the first failed token attempt from an address waits
    (doubling each time). ``allowed_hosts``: the Host headers accepted (None: any).
    """
    proj = project if isinstance(project, Project) else Project(project)
    wb = Workbench(proj, secure=secure, fail_delay=fail_delay)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def denied(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=403)
        return wb.page("denied.html", 403, reason=str(exc))

    async def bad(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)
        return wb.page("denied.html", 400, reason=str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        return Response("not found", status_code=404, media_type="text/plain")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        wb.workers.close()

    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=_routes(wb), middleware=middleware, lifespan=lifespan,
                    exception_handlers={Denied: denied, ChatcodeError: bad, 404: not_found,
                                        ValueError: bad})
    app.state.workbench = wb
    return app
