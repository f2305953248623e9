"""Benchmark: decisions per second and latency of the browser workbench, 10 coders at once.

Starts a real ``chatcode serve`` on 127.0.0.1 with a project of ``--posts`` invented posts
and ``--coders`` coders, each with a main pass; every coder (a thread with its own
keep-alive HTTP connection) sends its decisions one after another — per post a topic, then
the confirmation — as the coder page does. A decision's latency runs from sending it to the
server's answer, which comes after the decision was committed to disk (WAL,
``synchronous=FULL``). For scale, the same decisions are also timed straight on a coding
store in this process (the floor: one committed SQLite transaction each, no HTTP).

Run::

    /work/venv/bin/python benchmarks/bench_workbench.py
    /work/venv/bin/python benchmarks/bench_workbench.py --coders 20 --posts 100

Target: p95 under 50 ms for 10 concurrent coders on the 2-core machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

LIVE = Path(__file__).parents[1] / "tests" / "fixtures" / "workbench" / "live.py"


def _live():
    spec = importlib.util.spec_from_file_location("workbench_live", LIVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def floor(live, root: Path, n_posts: int) -> np.ndarray:
    """Seconds per decision made directly on a coding store (no server)."""
    from chatcode.coding.project import Project

    path, _ = live.load_project(root / "floor", 1, n_posts)
    project = Project(path)
    times = []
    with project.open_store(project.assignments()[0]) as store:
        for what, body in live.plan(n_posts, 0):
            t0 = time.perf_counter()
            if what == "codes":
                store.set_codes(body["post"], body["dimension"], body["codes"])
            else:
                store.mark_done(body["post"])
            times.append(time.perf_counter() - t0)
    project.close()
    return np.array(times)


def run(n_coders: int, n_posts: int) -> None:
    live = _live()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "floor").mkdir()
        direct = floor(live, root, n_posts)
        path, coders = live.load_project(root, n_coders, n_posts)
        server = live.Server(path).start()
        latencies: list[list[float]] = [[] for _ in coders]
        errors: list[BaseException] = []
        ready = threading.Barrier(len(coders) + 1)

        def work(c: int) -> None:
            coder = live.Coder(server.port, coders[c][0], coders[c][1])
            try:
                coder.login()
                ready.wait()
                for what, body in live.plan(n_posts, c):
                    t0 = time.perf_counter()
                    coder.send(what, body)
                    latencies[c].append(time.perf_counter() - t0)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                coder.close()

        threads = [threading.Thread(target=work, args=(c,)) for c in range(len(coders))]
        try:
            for t in threads:
                t.start()
            ready.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            server.stop()
        if errors:
            raise errors[0]
    lat = np.concatenate([np.array(x) for x in latencies]) * 1000
    n = lat.size
    print(f"workbench: {n_coders} coders x {n // n_coders} decisions = {n} decisions "
          f"in {wall:.2f} s")
    print(f"  throughput: {n / wall:,.0f} decisions/s")
    print(f"  latency per decision (send -> committed answer): p50 {np.percentile(lat, 50):.1f}"
          f" ms, p95 {np.percentile(lat, 95):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms, "
          f"max {lat.max():.1f} ms")
    d = direct * 1000
    print(f"  floor, one committed decision on a store, no server: p50 "
          f"{np.percentile(d, 50):.2f} ms, p95 {np.percentile(d, 95):.2f} ms")
    print(f"  p95 over floor p95: {np.percentile(lat, 95) / np.percentile(d, 95):.1f}x; "
          f"target p95 < 50 ms: {'met' if np.percentile(lat, 95) < 50 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--coders", type=int, default=10)
    parser.add_argument("--posts", type=int, default=250,
                        help="posts per coder (2 decisions each)")
    args = parser.parse_args()
    run(args.coders, args.posts)


if __name__ == "__main__":
    main()
