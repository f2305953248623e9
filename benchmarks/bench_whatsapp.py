"""How fast does chatcode read a large WhatsApp export, side by side with whatstk and with
the reader before the per-language phrase tables?

Generates WhatsApp exports of N lines each (default 1,000,000), cached in the temp folder
(``chatcode-bench``):

- ``plain``: member messages only (about 5 % run over two lines), Android layout
  ``dd/mm/yy, HH:MM - Name: text``;
- ``en12`` and ``de24``: the same messages in the English 12-hour layout
  (``m/d/yy, h:mm AM - Name: text``) and the German 24-hour one
  (``dd.mm.yy, HH:MM - Name: text``), for the comparison with whatstk;
- ``phrases``: as ``plain``, with one message in ten a system line, a media placeholder, a
  file attached with a caption, a deleted message, an edited marker or a poll, in the
  wording of six languages (en, de, es, fr, pt-BR, tr);
- ``ios``: the iOS layout (``[dd.mm.yy, HH:MM:SS] Name: text``) with 8 % system lines sent
  by the chat (marked with LRM, four languages) and 12 % marked placeholders, calls and
  deleted messages.

Then times, in one run and on the same files, each implementation in its own Python
process, alternating, best of ``--repeat`` runs:

  (a) whatstk: ``WhatsAppChat.from_source(filepath=...)`` (``en12`` and ``de24``; header
      auto-detected), if installed (``pip install whatstk``, for the benchmark only);
  (b) chatcode before the phrase tables (``--baseline REF``, default ``fb23b03``: that
      commit's ``src/`` taken from git into a temporary folder), if the git history is here
      (``plain``, ``phrases``, ``ios``);
  (c) chatcode now: ``chatcode.ingest(path, format="whatsapp")`` (the whole ingest, with
      loading the phrase tables).

Each process imports its library (whatstk; chatcode with its ingest package, which imports
pandas and pyarrow) before the clock starts, so the times are the reading alone: chatcode
now imports pandas lazily, on first use, and timing that import would charge it a second
that the older chatcode (which imported everything with ``import chatcode``) and whatstk
pay before the clock.

Prints the times (wall clock, and the CPU time of the process, which a busy machine
disturbs less) and their ratios: (a)/(c) (target: at least 4 on ``en12`` and ``de24``) and
(b)/(c) (target: at least 0.9, i.e. the phrase tables cost at most 10 %). Usage::

    python benchmarks/bench_whatsapp.py [--lines 1000000] [--repeat 3] [--cache DIR]
                                        [--baseline REF] [--only whatstk|before]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

NAMES = ["Anna Berg", "Ben", "Cleo Martin", "+49 151 2345678", "Dora", "Emil K.", "Fatma",
         "Gus", "Hanna Schulz", "Ivo"]
WORDS = ["sugar", "insulin", "pump", "sensor", "night", "morning", "walk", "tired", "better",
         "worse", "thanks", "great", "question", "doctor", "carbs", "dinner", "lunch", "low",
         "high", "reading", "week", "feel", "sleep", "help"]
# (system line, media placeholder, attached suffix, deleted, edited marker, poll)
PHRASES = [
    ("{a} added {b}", "<Media omitted>", "(file attached)", "This message was deleted",
     "<This message was edited>", "POLL:"),
    ("{a} hat {b} hinzugefügt.", "<Medien ausgeschlossen>", "(Datei angehängt)",
     "Diese Nachricht wurde gelöscht.", "<Diese Nachricht wurde bearbeitet>", "UMFRAGE:"),
    ("{a} añadió a {b}", "<Multimedia omitido>", "(archivo adjunto)",
     "Se eliminó este mensaje.", "<Se editó este mensaje.>", "ENCUESTA:"),
    ("{a} a ajouté {b}", "<Médias omis>", "(fichier joint)", "Ce message a été supprimé",
     "<Ce message a été modifié>", "SONDAGE :"),
    ("{a} adicionou {b}", "<Mídia oculta>", "(arquivo anexado)", "Mensagem apagada",
     "<Mensagem editada>", "ENQUETE:"),
    ("{a}, {b} kişisini ekledi", "<Medya dahil edilmedi>", "(dosya ekli)", "Bu mesaj silindi.",
     "<Bu mesaj düzenlendi>", "ANKET:"),
]
ROOT = Path(__file__).resolve().parents[1]


def _phrase_line(rng: random.Random, head: str, words: str) -> str:
    system, media, attached, deleted, edited, poll = rng.choice(PHRASES)
    a, b = rng.sample(NAMES, 2)
    kind = rng.randrange(6)
    if kind == 0:
        return head + system.format(a=a, b=b)
    body = [f"{media}", f"IMG-20210101-WA{rng.randrange(9999):04d}.jpg {attached}\n{words}",
            deleted, f"{words} {edited}", f"{poll}\n{words}?\nOPTION: yes (2)"][kind - 1]
    return f"{head}{a}: {body}"


IOS_EVENTS = ["\u200e{a} added {b}", "\u200e{a} left", "\u200e{a} hat {b} hinzugefügt.",
              "\u200e{a} añadió a {b}", "\u200e{a} a quitté le groupe",
              "\u200eMessages and calls are end-to-end encrypted. Tap to learn more."]
IOS_MARKED = ["\u200eimage omitted", "\u200e<attached: 00000012-PHOTO-2021-01-01-09-01-00.jpg>",
              "\u200eBild weggelassen", "\u200eMissed voice call, \u200eTap to call back",
              "\u200eThis message was deleted."]


def generate_ios(path: Path, n_lines: int, seed: int = 7) -> None:
    """Write an iOS-layout export of ``n_lines`` messages (see the module's notes)."""
    rng = random.Random(seed)
    t = dt.datetime(2021, 1, 1, 8, 0)
    out: list[str] = []
    for _ in range(n_lines):
        t += dt.timedelta(seconds=rng.randint(1, 600))
        head, r = f"[{t:%d.%m.%y}, {t:%H:%M:%S}] ", rng.random()
        if r < 0.08:
            a, b = rng.sample(NAMES, 2)
            out.append(f"{head}Peers Group: {rng.choice(IOS_EVENTS).format(a=a, b=b)}")
        elif r < 0.2:
            out.append(f"{head}{rng.choice(NAMES)}: {rng.choice(IOS_MARKED)}")
        else:
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 25)))
            out.append(f"{head}{rng.choice(NAMES)}: {words.capitalize()}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _head(t: dt.datetime, layout: str) -> str:
    if layout == "en12":
        ampm = "AM" if t.hour < 12 else "PM"
        return f"{t.month}/{t.day}/{t:%y}, {t.hour % 12 or 12}:{t:%M} {ampm} - "
    if layout == "de24":
        return f"{t:%d.%m.%y}, {t:%H:%M} - "
    return f"{t:%d/%m/%y}, {t:%H:%M} - "


def generate(path: Path, n_lines: int, *, phrases: bool = False, layout: str = "gb24",
             seed: int = 7) -> None:
    """Write an Android-layout export of ``n_lines`` lines (messages and continuation lines);
    ``layout``: ``gb24`` (dd/mm/yy, HH:MM), ``en12`` (m/d/yy, h:mm AM) or ``de24``
    (dd.mm.yy, HH:MM)."""
    rng = random.Random(seed)
    t = dt.datetime(2021, 1, 1, 8, 0)
    out: list[str] = []
    while len(out) < n_lines:
        t += dt.timedelta(seconds=rng.randint(1, 600))
        head = _head(t, layout)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 25)))
        if phrases and rng.random() < 0.1:
            out.extend(_phrase_line(rng, head, words).split("\n"))
            continue
        out.append(f"{head}{rng.choice(NAMES)}: {words.capitalize()}")
        if rng.random() < 0.05 and len(out) < n_lines:
            out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 10))))
    path.write_text("\n".join(out[:n_lines]) + "\n", encoding="utf-8")


_RUN = """
import sys, time, warnings
sys.path.insert(0, {src!r})
kind, path = {kind!r}, {path!r}
if kind == "whatstk":
    from whatstk import WhatsAppChat
    start, cpu = time.perf_counter(), time.process_time()
    n = len(WhatsAppChat.from_source(filepath=path, max_size=None).df)
else:
    import chatcode.ingest.whatsapp  # pandas and pyarrow too: imported before the clock
    from chatcode import ingest
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start, cpu = time.perf_counter(), time.process_time()
        n = len(ingest(path, format="whatsapp", timezone="UTC").posts)
print(time.perf_counter() - start, time.process_time() - cpu, n)
"""


def _time(kind: str, src: Path | None, path: Path) -> tuple[float, float, int]:
    """Wall-clock seconds, CPU seconds of the process, and the number of messages."""
    code = _RUN.format(src=str(src or ""), kind=kind, path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    seconds, cpu, n = done.stdout.split()
    return float(seconds), float(cpu), int(n)


def _baseline(ref: str, into: Path) -> Path | None:
    """That commit's ``src`` folder, from git, or None when there is no git history."""
    try:
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        tf.extractall(into, filter="data")
    return into / "src"


def _has_whatstk() -> bool:
    try:
        import whatstk  # noqa: F401
    except ImportError:
        return False
    return True


WHATSTK_FILES = ("en12", "de24")
BEFORE_FILES = ("plain", "phrases", "ios")


def _files(cache: Path, n_lines: int, names: list[str]) -> dict[str, Path]:
    files = {}
    for name in names:
        path = cache / f"whatsapp_{name}_{n_lines}.txt"
        if not path.exists():
            print(f"generating {path} ...", file=sys.stderr)
            if name == "ios":
                generate_ios(path, n_lines)
            else:
                generate(path, n_lines, phrases=name == "phrases",
                         layout=name if name in WHATSTK_FILES else "gb24")
        files[name] = path
        print(f"file {name}: {path} ({n_lines:,} lines, {path.stat().st_size / 1e6:.1f} MB)")
    return files


Best = dict[tuple[str, str], tuple[float, float, int]]


def _ratio(best: Best, slow: tuple[str, str], fast: tuple[str, str]) -> tuple[float, float]:
    return best[slow][0] / best[fast][0], best[slow][1] / best[fast][1]


def _report(best: Best, baseline: str) -> None:
    for (label, name), (t, cpu, n) in best.items():
        print(f"{label:<24} {name:<8} {t:8.2f} s  (CPU {cpu:6.2f} s)  {n:,} messages")
    now = "(c) chatcode now"
    for name in WHATSTK_FILES:
        if ("(a) whatstk", name) in best:
            wall, cpu = _ratio(best, ("(a) whatstk", name), (now, name))
            print(f"whatstk / chatcode ({name}) = {wall:.1f}x (CPU {cpu:.1f}x)  (target: at "
                  f"least 4x) -> {'met' if wall >= 4 else 'NOT met'}")
    for name in BEFORE_FILES:
        if (f"(b) chatcode {baseline}", name) in best:
            wall, cpu = _ratio(best, (f"(b) chatcode {baseline}", name), (now, name))
            print(f"before / now ({name}) = {wall:.2f} (CPU {cpu:.2f})  (target: at least "
                  f"0.90, the phrase tables cost at most 10 %) -> "
                  f"{'met' if wall >= 0.9 else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) /
                        "chatcode-bench")
    parser.add_argument("--baseline", default="fb23b03",
                        help="git commit of the reader before the phrase tables")
    parser.add_argument("--only", choices=("whatstk", "before"),
                        help="only the comparison with whatstk, or only the one with the "
                        "reader before the phrase tables")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    names = ([] if args.only == "before" else list(WHATSTK_FILES)) + (
        [] if args.only == "whatstk" else list(BEFORE_FILES))
    files = _files(args.cache, args.lines, names)
    with tempfile.TemporaryDirectory() as tmp:
        old = None if args.only == "whatstk" else _baseline(args.baseline, Path(tmp))
        runs = []
        if args.only != "before":
            if _has_whatstk():
                runs.append(("(a) whatstk", "whatstk", None, WHATSTK_FILES))
            else:
                print("(a) skipped: whatstk is not installed (pip install whatstk)")
        if old is not None:
            runs.append((f"(b) chatcode {args.baseline}", "chatcode", old, BEFORE_FILES))
        elif args.only != "whatstk":
            print(f"(b) skipped: no git history with commit {args.baseline} here")
        runs.append(("(c) chatcode now", "chatcode", ROOT / "src", tuple(files)))
        best: Best = {}
        for _ in range(args.repeat):  # alternate, so load on the machine hits all alike
            for label, kind, src, which in runs:
                for name in which:
                    t, cpu, n = _time(kind, src, files[name])
                    key = (label, name)
                    old_t, old_cpu, _ = best.get(key, (t, cpu, n))
                    best[key] = (min(t, old_t), min(cpu, old_cpu), n)  # best of each
    _report(best, args.baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
