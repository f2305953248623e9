"""10 coders x 500 decisions against a real workbench server, killed with SIGKILL mid-run and
restarted: no acknowledged decision is lost, none is stored twice."""

from __future__ import annotations

import http.client
import importlib.util
import json
import sqlite3
import threading
import time
from pathlib import Path

FIX = Path(__file__).parents[1] / "fixtures" / "workbench"
N_CODERS, N_POSTS = 10, 250          # 2 decisions per post: 500 per coder


def _live():
    spec = importlib.util.spec_from_file_location("workbench_live", FIX / "live.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


live = _live()


def _log(store: Path) -> list[tuple[str, str, str | None, str | None]]:
    conn = sqlite3.connect(store)
    try:
        return conn.execute("SELECT action, post_id, dimension, codes FROM decisions "
                            "ORDER BY id").fetchall()
    finally:
        conn.close()


def test_kill_9_mid_run_loses_no_acknowledged_decision_and_duplicates_none(tmp_path):
    path, coders = live.load_project(tmp_path, N_CODERS, N_POSTS)
    server = live.Server(path).start()
    acked: list[list[tuple[str, dict]]] = [[] for _ in coders]
    acked_before_kill: list[int] = []
    retried = [0] * len(coders)
    errors: list[BaseException] = []
    killed = threading.Event()

    def work(c: int) -> None:
        coder = live.Coder(server.port, coders[c][0], coders[c][1])
        try:
            coder.login()
            for what, body in live.plan(N_POSTS, c):
                _, tries = coder.send_until_acked(what, body, time.monotonic() + 120)
                retried[c] += tries - 1
                acked[c].append((what, body))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            coder.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in range(len(coders))]
    try:
        for t in threads:
            t.start()
        total = N_CODERS * N_POSTS * 2
        while sum(map(len, acked)) < total * 0.4 and not errors:
            time.sleep(0.01)
        server.kill()
        killed.set()
        acked_before_kill = [len(a) for a in acked]
        store_paths = [path / "stores" / f"{aid}.sqlite" for _, aid in coders]
        committed = [_log(p) for p in store_paths]   # what the disk holds after kill -9
        server = live.Server(path, server.port).start()
        for t in threads:
            t.join(timeout=240)
    finally:
        server.stop()
    assert not errors, errors
    assert 0 < sum(acked_before_kill) < N_CODERS * N_POSTS * 2
    assert sum(retried) >= 1                       # requests did hit the dead server
    for c, store in enumerate(store_paths):
        # every decision acknowledged before the kill was on disk right after it
        before = acked[c][:acked_before_kill[c]]
        on_disk = {(a, p, d) for a, p, d, _ in committed[c]}
        for what, body in before:
            action = "set" if what == "codes" else "done"
            key = (action, body["post"], body.get("dimension"))
            assert key in on_disk, (c, key)
        log = _log(store)
        keys = [(a, p, d) for a, p, d, _ in log]
        assert len(keys) == len(set(keys)) == N_POSTS * 2, f"coder {c}: duplicates or losses"
        sets = {(p, d): json.loads(codes) for a, p, d, codes in log if a == "set"}
        for what, body in acked[c]:
            if what == "codes":
                assert sets[(body["post"], body["dimension"])] == body["codes"]
        assert sum(1 for a, *_ in log if a == "done") == N_POSTS


def test_https_with_certfile_and_keyfile_gives_a_secure_host_only_cookie(tmp_path):
    import shutil
    import subprocess

    import pytest

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    path, coders = live.load_project(tmp_path, 1, 3)
    server = live.Server(path, None, "--certfile", str(cert), "--keyfile", str(key)).start()
    try:
        conn = server.connection()
        conn.request("GET", f"/t/{coders[0][0]}")
        r = conn.getresponse()
        r.read()
        cookie = r.getheader("set-cookie")
        assert r.status == 303 and cookie.startswith("__Host-chatcode_session=")
        assert "Secure" in cookie and "HttpOnly" in cookie
        conn.request("GET", "/", headers={"Cookie": cookie.split(";")[0]})
        r = conn.getresponse()
        assert r.status == 200 and b"coder0" in r.read()
        conn.close()
        plain = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        with pytest.raises((OSError, http.client.HTTPException)):
            plain.request("GET", "/")
            plain.getresponse().read()
        plain.close()
    finally:
        server.stop()


def test_serve_refuses_half_a_tls_configuration(tmp_path, cli):
    path, _ = live.load_project(tmp_path, 1, 3)
    r = cli("serve", path, "--certfile", tmp_path / "cert.pem")
    assert r.returncode == 1 and "needs both --certfile and --keyfile" in r.stderr
