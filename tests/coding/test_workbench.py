"""The browser workbench's handlers (Starlette TestClient): coding, the lead page, consensus,
access control (tokens, sessions, CSRF, blind passes, paths), and reading a project as CODES."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import pytest
from starlette.testclient import TestClient

from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes
from chatcode.coding.project import Project, init_project, read_project_codes
from chatcode.coding.selection import Selection
from chatcode.coding.store import CodingStore, read_store
from chatcode.coding.workbench import allowed_hosts, create_app
from chatcode.coding.workbench.access import CSP
from chatcode.corpus import schema as S
from chatcode.errors import CodingError
from chatcode.reliability.agreement import agreement

FIX = Path(__file__).parents[1] / "fixtures" / "workbench"
CB = load_codebook(FIX / "codebook.yaml")


class Team:
    """A project with coders anna and ben (a pretest each on the first 50% of g1: w1-w3)."""

    def __init__(self, root: Path) -> None:
        self.path = init_project(FIX / "corpus", FIX / "codebook.yaml", root / "p.ccproj")
        self.project = Project(self.path)
        self.tokens = {n: self.project.add_coder(n) for n in ("anna", "ben")}
        self.tokens["lead"] = self.project.new_token("lead")
        pretest = Selection("first", pct=50, group="g1")
        self.anna = self.project.assign("anna", "pretest", pretest)
        self.ben = self.project.assign("ben", "pretest", pretest)
        self.app = create_app(self.project, fail_delay=0.001)

    def client(self, who: str | None = None) -> TestClient:
        client = TestClient(self.app)
        if who is not None:
            r = client.get(f"/t/{self.tokens[who]}", follow_redirects=False)
            assert r.status_code == 303
        return client


@pytest.fixture
def team(tmp_path):
    t = Team(tmp_path)
    yield t
    t.app.state.workbench.workers.close()
    t.project.close()


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf" content="([^"]+)"', html).group(1)


def page(client: TestClient, aid: int, i: int | None = None) -> tuple[str, str]:
    r = client.get(f"/code/{aid}" + ("" if i is None else f"?i={i}"))
    assert r.status_code == 200, r.text
    return r.text, csrf_of(r.text)


def post(client, aid, what, csrf, **body):
    return client.post(f"/api/pass/{aid}/{what}", json=body,
                       headers={} if csrf is None else {"X-CSRF-Token": csrf})


def code_all(client, aid, plan: dict[str, dict[str, list[str]]]) -> None:
    _, csrf = page(client, aid)
    for pid, dims in plan.items():
        for dim, codes in dims.items():
            assert post(client, aid, "codes", csrf, post=pid, dimension=dim,
                        codes=codes).status_code == 200
        assert post(client, aid, "done", csrf, post=pid).json()["ok"]


# --- coding ---------------------------------------------------------------------------------

def test_login_sets_a_strict_http_only_cookie_and_goes_to_the_coders_passes(team):
    client = TestClient(team.app)
    r = client.get(f"/t/{team.tokens['anna']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert f'href="/code/{team.anna.id}"' in home.text
    assert f'href="/code/{team.ben.id}"' not in home.text       # blind: only one's own


def test_the_coder_page_shows_the_post_in_its_thread_with_hidden_responses(team):
    client = team.client("anna")
    html, _ = page(client, team.anna.id, 2)        # w3 replies to w1, got the reply w4
    assert "post <strong id=\"index\">3</strong> of 3" in html
    assert "Good morning! Who tried" in html       # the parent, above
    assert "I did - 25 g carbs" in html            # an earlier reply to the same parent
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    responses = html[html.index('<div id="responses" hidden>'):]
    assert "Try an overpatch" in responses         # the reply it got, hidden until r
    assert html.count("participant") >= 2 and "2023-05-02 08:30 UTC" in html
    first, _ = page(client, team.anna.id, 0)
    assert "thumbsup × 2" in first                 # reactions, hidden too
    second, _ = page(client, team.anna.id, 1)
    assert "1 attachment" in second
    assert "Advice, facts or experience" in html and "tips on devices" in html


def test_decisions_are_committed_before_the_answer_and_undo_memo_resume_work(team):
    client = team.client("anna")
    html, csrf = page(client, team.anna.id)
    assert 'data-post="w1"' in html
    r = post(client, team.anna.id, "codes", csrf, post="w1", dimension="support",
             codes=["emotional", "informational"])
    assert r.json()["codes"] == {"support": ["informational", "emotional"]}
    as_terminal_coder = {"codebook": CB, "coder": "anna", "pass_": "pretest",
                         "selection": Selection("first", pct=50, group="g1"),
                         "post_ids": ["w1", "w2", "w3"]}
    store_path = team.project.store_path(team.anna.id)
    with pytest.raises(CodingError, match="open for writing in another window"):
        CodingStore.open(store_path, **as_terminal_coder)   # one writer per pass
    team.app.state.workbench.workers.close()                 # the server lets go of it
    with CodingStore.open(store_path, **as_terminal_coder) as store:
        assert store.codes("w1") == {"support": ("informational", "emotional")}
    r = post(client, team.anna.id, "done", csrf, post="w1")
    assert r.json()["next"] == 1 and r.json()["n_done"] == 1
    assert r.json()["codes"] == {"support": ["informational", "emotional"], "topic": []}
    again = post(client, team.anna.id, "done", csrf, post="w1")   # a retry changes nothing
    assert again.json()["changed"] is False
    assert post(client, team.anna.id, "memo", csrf, post="w2", memo="ask the team").json()["ok"]
    html, _ = page(client, team.anna.id)           # resume: the first post not coded
    assert 'data-post="w2"' in html and "ask the team</textarea>" in html
    undone = post(client, team.anna.id, "undo", csrf).json()
    assert undone["undone"] == {"action": "done", "post": "w1", "dimension": None}
    assert undone["index"] == 0 and undone["n_done"] == 0
    state = client.get(f"/api/pass/{team.anna.id}/state", params={"post": "w1"}).json()
    assert state["done"] is False and state["position"] == 0
    assert state["codes"] == {"support": ["informational", "emotional"]}


def test_bad_decisions_are_refused_with_a_message(team):
    client = team.client("anna")
    _, csrf = page(client, team.anna.id)
    r = post(client, team.anna.id, "codes", csrf, post="w1", dimension="topic",
             codes=["food", "sport"])
    assert r.status_code == 400 and "at most one code" in r.json()["error"]
    r = post(client, team.anna.id, "codes", csrf, post="w9", dimension="topic", codes=[])
    assert r.status_code == 400 and "not among the posts" in r.json()["error"]
    r = client.post(f"/api/pass/{team.anna.id}/codes", content=b"{not json",
                    headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert r.status_code == 400


# --- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [
    ("get", "/"), ("get", "/lead"), ("get", "/code/1"), ("get", "/api/pass/1/state"),
    ("post", "/api/pass/1/codes"), ("post", "/lead/coders"), ("post", "/logout")])
def test_without_a_token_everything_is_403(team, method, url):
    r = getattr(TestClient(team.app), method)(url)
    assert r.status_code == 403


def test_a_wrong_token_is_refused_slowed_and_logged(team, caplog):
    client = TestClient(team.app)
    with caplog.at_level(logging.WARNING, logger="chatcode.workbench"):
        for _ in range(3):
            assert client.get("/t/" + "x" * 43).status_code == 403
    assert team.app.state.workbench.failed.count["testclient"] == 3
    assert "failed login attempt 3 from testclient" in caplog.text
    assert client.get(f"/t/{team.tokens['anna']}").status_code == 200
    assert "testclient" not in team.app.state.workbench.failed.count


def test_another_coders_token_cannot_read_or_write_this_coders_pass(team):
    anna = team.client("anna")
    _, anna_csrf = page(anna, team.anna.id)
    post(anna, team.anna.id, "codes", anna_csrf, post="w1", dimension="topic", codes=["food"])
    ben = team.client("ben")
    _, ben_csrf = page(ben, team.ben.id)
    assert ben.get(f"/code/{team.anna.id}").status_code == 403
    assert ben.get(f"/api/pass/{team.anna.id}/state?post=w1").status_code == 403
    for what, body in (("codes", {"post": "w1", "dimension": "topic", "codes": ["sport"]}),
                       ("done", {"post": "w1"}), ("undo", {}),
                       ("memo", {"post": "w1", "memo": "x"})):
        assert post(ben, team.anna.id, what, ben_csrf, **body).status_code == 403
        assert post(ben, team.anna.id, what, anna_csrf, **body).status_code == 403
    lead = team.client("lead")
    assert lead.get(f"/code/{team.anna.id}").status_code == 403   # the lead stays out too
    assert ben.get("/lead").status_code == 403
    assert page(anna, team.anna.id, 0)[0].count("checked") == 1   # food, and nothing else
    assert read_store(team.project.store_path(team.anna.id)).empty


def test_writes_without_the_csrf_token_are_refused(team, caplog):
    client = team.client("anna")
    page(client, team.anna.id)
    body = {"post": "w1", "dimension": "topic", "codes": ["food"]}
    with caplog.at_level(logging.WARNING, logger="chatcode.workbench"):
        assert post(client, team.anna.id, "codes", None, **body).status_code == 403
        assert post(client, team.anna.id, "codes", "forged", **body).status_code == 403
    assert "without a valid CSRF token by anna" in caplog.text
    lead = team.client("lead")
    r = lead.post("/lead/coders", data={"name": "mallory"})
    assert r.status_code == 403 and "mallory" not in [n for n, _, _ in team.project.people()]
    r = lead.post("/lead/coders", data={"name": "mallory", "csrf": "forged"})
    assert r.status_code == 403
    state = client.get(f"/api/pass/{team.anna.id}/state?post=w1").json()
    assert state["codes"] == {}


@pytest.mark.parametrize("url", [
    "/static/../project.sqlite", "/static/%2e%2e/project.sqlite",
    "/static/..%2fproject.sqlite", "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/..%5c..%5cproject.sqlite", "/project.sqlite", "/stores/1.sqlite",
    "/codebook.yaml", "/code/..%2f..%2fproject.sqlite", "/static/", "/static/coder.js%00.sqlite",
    "/code/1/../../project.sqlite", "//etc/passwd"])
def test_no_path_from_the_url_reaches_the_file_system(team, url):
    client = team.client("anna")
    r = client.get(url)
    assert r.status_code in (403, 404)
    assert b"SQLite format 3" not in r.content and b"root:" not in r.content
    assert b"workbench_test" not in r.content
    assert r.headers["content-security-policy"] == CSP


def test_security_headers_and_static_assets(team):
    client = team.client("anna")
    r = client.get("/static/coder.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    for r in (client.get("/"), client.get("/nowhere"), client.get("/static/workbench.css")):
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    html = client.get(f"/code/{team.anna.id}").text
    assert "<script>" not in html and " on" + "click=" not in html and "style=" not in html
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html


def test_tokens_and_sessions_are_stored_hashed(team):
    team.client("anna")
    data = (team.path / "project.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in team.path.glob("project.sqlite*"))
    for token in team.tokens.values():
        assert token.encode() not in data


def test_only_the_servers_own_names_are_accepted_as_host(team):
    app = create_app(team.project, allowed_hosts=allowed_hosts("127.0.0.1"))
    assert TestClient(app, base_url="http://127.0.0.1").get("/").status_code == 403
    assert TestClient(app, base_url="http://evil.example").get("/").status_code == 400
    assert allowed_hosts("0.0.0.0") is None
    assert allowed_hosts("192.168.1.20") == ["192.168.1.20", "127.0.0.1", "localhost"]


# --- the lead -------------------------------------------------------------------------------

def test_the_lead_adds_a_coder_whose_link_works_once_shown_and_can_be_replaced(team):
    lead = team.client("lead")
    csrf = csrf_of(lead.get("/lead").text)
    r = lead.post("/lead/coders", data={"name": "cleo", "csrf": csrf})
    link = re.search(r'<code id="link">http://testserver/t/([^<]+)</code>', r.text).group(1)
    assert TestClient(team.app).get(f"/t/{link}").status_code == 200
    assert link not in lead.get("/lead").text                 # shown once
    r = lead.post("/lead/link", data={"name": "cleo", "csrf": csrf})
    new = re.search(r'<code id="link">http://testserver/t/([^<]+)</code>', r.text).group(1)
    assert TestClient(team.app).get(f"/t/{link}").status_code == 403   # the old one is dead
    assert TestClient(team.app).get(f"/t/{new}").status_code == 200
    r = lead.post("/lead/passes", data={"csrf": csrf, "coder": "cleo", "pass": "retest",
                                        "kind": "sample", "pct": "30", "seed": "7"})
    assert r.status_code == 200
    made = [a for a in team.project.assignments("cleo")]
    assert [(a.pass_, a.selection) for a in made] == [("retest",
                                                       "30% random sample (seed 7) (3 posts)")]
    r = lead.post("/lead/passes", data={"csrf": csrf, "coder": "cleo", "pass": "x",
                                        "kind": "first", "pct": "10"})
    assert r.status_code == 400 and "--first needs --group" in r.text


def test_lead_sees_progress_agreement_and_makes_a_consensus_pass(team):
    anna, ben = team.client("anna"), team.client("ben")
    code_all(anna, team.anna.id, {"w1": {"support": ["informational"], "topic": ["food"]},
                                  "w2": {"support": ["informational"], "topic": ["food"]},
                                  "w3": {"support": ["emotional"], "topic": ["devices"]}})
    code_all(ben, team.ben.id, {"w1": {"support": ["informational"], "topic": ["food"]},
                                "w2": {"support": ["emotional"], "topic": ["food"]}})
    lead = team.client("lead")
    html = lead.get("/lead").text
    assert "anna/pretest vs ben/pretest: 2 posts coded by both" in html
    assert "1 of 2 posts coded differently in at least one dimension" in html
    assert '</progress> 3 of 3</td>' in html and '</progress> 2 of 3</td>' in html
    codes = read_project_codes(team.path)
    expected = agreement(codes, CB, coders=["anna/pretest", "ben/pretest"]).codes
    row = expected.set_index(["dimension", "code"]).loc[("support", "informational")]
    assert f"<td>support</td><td>informational</td><td>2</td><td>{row.percent_agreement:.2f}" \
        in html
    r = lead.post("/lead/consensus", data={"csrf": csrf_of(html), "a": team.anna.id,
                                           "b": team.ben.id, "pass": "consensus"})
    assert r.status_code == 200 and "anna/pretest: <strong>informational</strong>" in r.text
    cons = team.project.assignments("consensus")[0]
    state = lead.get(f"/api/pass/{cons.id}/state?post=w2").json()
    assert state["n"] == 2 and state["n_done"] == 1 and state["position"] == 1
    assert state["codes"] == {"topic": ["food"]}             # agreed; support is disputed
    csrf = csrf_of(r.text)
    post(lead, cons.id, "codes", csrf, post="w2", dimension="support",
         codes=["informational", "emotional"])
    assert post(lead, cons.id, "done", csrf, post="w2").json()["n_done"] == 2
    assert anna.get(f"/code/{cons.id}").status_code == 403
    table = read_codes(team.path, codebook=CB)
    got = table[table[S.PASS].eq("consensus") & table[S.VALUE].eq(1)]
    assert sorted(zip(got[S.POST_ID], got[S.CODE], strict=True)) == [
        ("w1", "food"), ("w1", "informational"), ("w2", "emotional"), ("w2", "food"),
        ("w2", "informational")]
    assert set(got[S.CODER]) == {"consensus"}
    assert "Open the consensus pass" in lead.get("/lead").text


# --- the project as CODES -------------------------------------------------------------------

def test_a_project_reads_as_the_codes_table_of_its_stores(team, cli, tmp_path):
    code_all(team.client("anna"), team.anna.id, {p: {"topic": ["food"]} for p in
                                                 ("w1", "w2", "w3")})
    code_all(team.client("ben"), team.ben.id, {p: {"topic": ["food"]} for p in ("w1", "w2")})
    table = read_codes(team.path, codebook=CB)
    stores = pd.concat([read_store(team.project.store_path(a.id))
                        for a in (team.anna, team.ben)], ignore_index=True)
    pd.testing.assert_frame_equal(table, read_codes([team.project.store_path(team.anna.id),
                                                     team.project.store_path(team.ben.id)],
                                                    codebook=CB))
    assert len(table) == len(stores) == (3 + 2) * 5
    assert list(table.columns)[:8] == [*S.CODES_COLUMNS, S.CODED_AT, S.CODEBOOK_HASH]
    r = cli("agree", team.path, "--codebook", FIX / "codebook.yaml", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"coders": [\n    "anna/pretest",\n    "ben/pretest"\n  ]' in r.stdout


def test_project_init_cli_and_a_folder_that_is_not_a_project(tmp_path, cli):
    out = tmp_path / "study.ccproj"
    r = cli("project", "init", FIX / "corpus", "--codebook", FIX / "codebook.yaml", "-o", out)
    assert r.returncode == 0, r.stderr and "chatcode serve" in r.stderr
    assert {p.name for p in out.iterdir()} >= {"project.sqlite", "corpus.parquet",
                                               "codebook.yaml", "stores"}
    r = cli("project", "init", FIX / "corpus", "--codebook", FIX / "codebook.yaml", "-o", out)
    assert r.returncode == 1 and "--force" in r.stderr
    with pytest.raises(CodingError, match="not a chatcode project"):
        Project(tmp_path)
    (out / "codebook.yaml").write_text((FIX / "codebook.yaml").read_text().replace(
        "Sport", "Sports"))
    with pytest.raises(CodingError, match="codebook.yaml was changed"):
        Project(out)


def test_a_pass_coded_in_the_browser_gives_the_codes_a_filled_sheet_gives(team, tmp_path):
    """The same decisions entered in a coding sheet and in the workbench give the same codes
    table (coded_at aside: a sheet has the file's time, the store each decision's)."""
    from openpyxl import load_workbook

    from chatcode.coding.sheets import write_sheet

    decisions = {"w1": (["informational"], "food"), "w2": ([], "none"),
                 "w3": (["informational", "emotional"], "devices")}
    code_all(team.client("anna"), team.anna.id, {
        pid: {"support": s, "topic": [] if t == "none" else [t]}
        for pid, (s, t) in decisions.items()})
    sheet = write_sheet(FIX / "corpus", CB, tmp_path / "anna.xlsx", coder="anna",
                        pass_="pretest", selection=Selection("first", pct=50, group="g1"),
                        timezone="UTC")
    wb = load_workbook(sheet)
    ws = wb["coding"]
    column = {ws.cell(row=1, column=c).value: c for c in range(1, ws.max_column + 1)}
    for r in range(3, ws.max_row + 1):
        support, topic = decisions[ws.cell(row=r, column=1).value]
        for code in ("informational", "emotional"):
            ws.cell(row=r, column=column[f"support:{code}"], value=int(code in support))
        ws.cell(row=r, column=column["topic"], value=topic)
    wb.save(sheet)
    from_sheet = read_codes(sheet, codebook=CB).drop(columns=S.CODED_AT)
    web = read_codes(team.path, codebook=CB)
    from_web = web[web[S.CODER].eq("anna")].drop(columns=S.CODED_AT)
    if S.SUGGESTION in from_web.columns:  # a store records whether a suggestion was taken
        assert set(from_web.pop(S.SUGGESTION)) == {S.SUGGESTION_NONE}
    key = [S.POST_ID, S.DIMENSION, S.CODE]
    pd.testing.assert_frame_equal(from_sheet.sort_values(key).reset_index(drop=True),
                                  from_web.sort_values(key).reset_index(drop=True))


def test_logging_out_ends_the_session(team):
    client = team.client("anna")
    html = client.get("/").text
    assert client.post("/logout", data={"csrf": csrf_of(html)}).status_code == 200
    assert client.get("/").status_code == 403


def test_failed_logins_wait_twice_as_long_each_time_up_to_a_limit():
    from chatcode.coding.workbench.access import MAX_DELAY, FailedLogins

    failed = FailedLogins(0.5)
    assert [failed.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert failed.delay(40) == MAX_DELAY


def test_a_pass_is_made_with_its_store_or_not_at_all(team):
    before = team.project.assignments()
    (team.path / "stores").rename(team.path / "elsewhere")
    with pytest.raises(CodingError, match="the folder of the store does not exist"):
        team.project.assign("anna", "main", Selection())
    assert team.project.assignments() == before
    (team.path / "elsewhere").rename(team.path / "stores")
    made = team.project.assign("anna", "main", Selection())
    assert made.selection == "all posts (10 posts)" and made.id == before[-1].id + 1


def test_a_mistake_in_a_lead_form_is_shown_on_the_lead_page(team):
    lead = team.client("lead")
    csrf = csrf_of(lead.get("/lead").text)
    r = lead.post("/lead/passes", data={"csrf": csrf, "coder": "anna", "pass": "pretest",
                                        "kind": "all"})
    assert r.status_code == 400 and 'id="error"' in r.text
    assert "anna has a pass &#39;pretest&#39; already" in r.text and "Passes and progress" in r.text
    r = lead.post("/lead/consensus", data={"csrf": csrf, "a": team.anna.id, "b": team.ben.id})
    assert r.status_code == 400 and "have no post both confirmed" in r.text
