"""The coded chat as a REFI-QDA project (``.qdpx``) that MAXQDA, NVivo, ATLAS.ti and QualCoder
open, and the codings made there read back as a codes table.

A ``.qdpx`` is a zip with ``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``)
and the text of each source under ``Sources/``. :func:`write_qdpx` writes:

- the codebook as codes (each dimension a code that cannot be applied, its codes below it;
  the same codes, GUIDs and descriptions as ``chatcode codebook export … .qdc``);
- each group's chat as one text source: every post starts on a line of its own with a header
  ``[post_id] YYYY-MM-DD HH:MM author (role):`` and its text on the next lines;
- every coder and pass as a user named ``coder/pass`` (``A/main``);
- every post a coder coded as a plain-text selection over the post, created by that user,
  with one coding per code applied (a post coded with no code has a selection without
  codings, so "coded, absent" survives the trip).

:func:`read_qdpx` reads a project back into a codes table (one row per post × coder × pass ×
code, 0 or 1).

Notes
-----
- A line of a post's text that looks like a post header is indented by one space, so the
  headers alone mark where posts begin.
- Positions are Unicode characters from the start of the source text, the end exclusive.
- A selection belongs to every post whose span (header to end of text) it overlaps, so a
  coder in a QDA program may select any part of a post.
- Codes are matched to the codebook by GUID, then by the chatcode block in their
  description, then by label or id (unique in the codebook); an unknown code is an error.
- Users: ``coder/pass`` names give both; another name is the coder, with the pass given by
  ``pass_`` (default ``qda``).
- Which posts a user coded: in a project written by chatcode, the posts the user has a
  selection on. In a project made elsewhere (QDA programs record only the codes applied),
  every post of each source the user coded in counts as coded by them (``all_coded=True``
  forces this rule for any project).
"""

from __future__ import annotations

import bisect
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from chatcode.codebook import Codebook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import ChatcodeError, CodingError, Location

__all__ = ["PROJECT_NS", "post_spans", "read_qdpx", "source_text", "write_qdpx"]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CHATCODE_NOTE = "chatcode: every coded post has a selection by its coder"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:chatcode:project")
_HEADER = re.compile(r"^\[(?P<id>[^\]\n]+)\] \d{4}-\d\d-\d\d \d\d:\d\d [^\n]*:$", re.M)
DEFAULT_PASS = "qda"


def _q(tag: str) -> str:
    return f"{{{PROJECT_NS}}}{tag}"


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts))).upper()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the text of a source ------------------------------------------------------------------

def source_text(posts: pd.DataFrame) -> tuple[str, dict[str, tuple[int, int]]]:
    """The text of one group's chat and the span (start, end) of every post in it."""
    parts: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    pos = 0
    times = pd.to_datetime(posts[S.TIMESTAMP], utc=False)
    for pid, when, author, role, text in zip(
            posts[S.POST_ID].astype(str), times, posts[S.AUTHOR].astype(str),
            posts[S.ROLE].astype(str), posts[S.TEXT].fillna("").astype(str), strict=True):
        header = f"[{pid}] {when:%Y-%m-%d %H:%M} {author} ({role}):"
        body = _HEADER.sub(lambda m: " " + m.group(0),
                           text.replace("\r\n", "\n").replace("\r", "\n"))
        block = f"{header}\n{body}" if body else header
        spans[pid] = (pos, pos + len(block))
        parts.append(block + "\n\n")
        pos += len(block) + 2
    return "".join(parts), spans


def post_spans(text: str) -> dict[str, tuple[int, int]]:
    """The span of every post in a source text written by :func:`source_text`."""
    starts = [(m.group("id"), m.start()) for m in _HEADER.finditer(text)]
    spans = {}
    for i, (pid, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        spans[pid] = (start, len(text[start:end].rstrip("\n")) + start)
    return spans


# --- export ---------------------------------------------------------------------------------

def _codebook_codes(cb: Codebook) -> ET.Element:
    """The codebook's codes in the project namespace (as in the .qdc export)."""
    from chatcode.codebook.qdc import QDC_NS, codebook_qdc

    root = ET.fromstring(codebook_qdc(cb).encode("utf-8"))
    codes = root.find(f"{{{QDC_NS}}}Codes")
    for el in codes.iter():
        el.tag = el.tag.replace(f"{{{QDC_NS}}}", f"{{{PROJECT_NS}}}")
    return codes


def _code_guid(cb: Codebook, dimension: str, code: str) -> str:
    from chatcode.codebook.qdc import code_guid

    return code_guid(cb.name, dimension, code)


def write_qdpx(corpus: Corpus, codes: pd.DataFrame, codebook: Codebook, path: str | Path, *,
               force: bool = False) -> Path:
    """Write the corpus, the codebook and every coder's codes as a REFI-QDA project."""
    from chatcode import __version__
    from chatcode._io.output import atomic_file

    path = Path(path)
    if path.suffix.lower() != ".qdpx":
        raise ChatcodeError("a REFI-QDA project needs the suffix .qdpx", where=Location(path),
                            hint="e.g. -o study.qdpx")
    stamp = _now()
    root = ET.Element(_q("Project"), {"name": codebook.name, "origin": f"chatcode {__version__}",
                                      "creationDateTime": stamp})
    users = ET.SubElement(root, _q("Users"))
    passes = codes[[S.CODER, S.PASS]].drop_duplicates().astype(str).sort_values(
        [S.CODER, S.PASS]).itertuples(index=False)
    user_guid = {}
    for coder, pass_ in passes:
        user_guid[(coder, pass_)] = g = _guid("user", coder, pass_)
        ET.SubElement(users, _q("User"), {"guid": g, "name": f"{coder}/{pass_}",
                                          "id": f"{coder}/{pass_}"})
    if user_guid:
        root.set("creatingUserGUID", next(iter(user_guid.values())))
    ET.SubElement(root, _q("CodeBook")).append(_codebook_codes(codebook))
    sources = ET.SubElement(root, _q("Sources"))
    applied = codes[codes[S.VALUE].astype(int) == 1]
    applied_by = defaultdict(list)
    for pid, coder, pass_, dim, code in applied[[S.POST_ID, S.CODER, S.PASS, S.DIMENSION,
                                                 S.CODE]].astype(str).itertuples(index=False):
        applied_by[(pid, coder, pass_)].append((dim, code))
    coded = codes[[S.POST_ID, S.CODER, S.PASS]].astype(str).drop_duplicates()
    coded_by = defaultdict(list)
    for pid, coder, pass_ in coded.itertuples(index=False):
        coded_by[pid].append((coder, pass_))
    texts: dict[str, str] = {}
    for group, posts in corpus.posts.groupby(S.GROUP, sort=False):
        text, spans = source_text(posts)
        g = _guid("source", str(group))
        texts[g] = text
        src = ET.SubElement(sources, _q("TextSource"), {
            "guid": g, "name": str(group), "plainTextPath": f"internal://{g}.txt",
            "creationDateTime": stamp})
        for pid, (start, end) in spans.items():
            for coder, pass_ in sorted(coded_by.get(pid, ())):
                user = user_guid[(coder, pass_)]
                sel = ET.SubElement(src, _q("PlainTextSelection"), {
                    "guid": _guid("selection", pid, coder, pass_), "name": f"post {pid}",
                    "startPosition": str(start), "endPosition": str(end),
                    "creatingUser": user, "creationDateTime": stamp})
                for dim, code in applied_by.get((pid, coder, pass_), ()):
                    coding = ET.SubElement(sel, _q("Coding"), {
                        "guid": _guid("coding", pid, coder, pass_, dim, code),
                        "creatingUser": user, "creationDateTime": stamp})
                    ET.SubElement(coding, _q("CodeRef"),
                                  {"targetGUID": _code_guid(codebook, dim, code)})
    ET.SubElement(root, _q("Description")).text = (
        f"{CHATCODE_NOTE}. Codebook {codebook.name} version {codebook.version}. Posts are "
        "headed '[post id] date time author (role):'.")
    ET.register_namespace("", PROJECT_NS)
    xml = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
    with atomic_file(path, force=force) as tmp, zipfile.ZipFile(tmp, "w",
                                                                zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for g, text in texts.items():
            zf.writestr(f"Sources/{g}.txt", text.encode("utf-8"))
    return path


# --- import ---------------------------------------------------------------------------------

def _open(path: Path) -> tuple[ET.Element, zipfile.ZipFile]:
    where = Location(path)
    if not path.is_file():
        raise CodingError("file not found", where=where, hint="give a .qdpx project file")
    try:
        zf = zipfile.ZipFile(path)
        data = zf.read("project.qde")
    except zipfile.BadZipFile as exc:
        raise CodingError("not a REFI-QDA project (.qdpx is a zip file)", where=where,
                          hint="export the project from the QDA program as REFI-QDA "
                               "project (.qdpx)") from exc
    except KeyError as exc:
        raise CodingError("the .qdpx holds no project.qde", where=where,
                          hint="export the project again as REFI-QDA project") from exc
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise CodingError(f"project.qde is not valid XML: {exc}", where=where,
                          hint="export the project again") from exc
    if root.tag != _q("Project"):
        raise CodingError(f"project.qde holds {root.tag!r}, not a REFI-QDA Project",
                          where=where, hint="export the project again as REFI-QDA project")
    return root, zf


def _code_map(root: ET.Element, cb: Codebook, where: Location) -> dict[str, tuple[str, str]]:
    """GUID of every codable code in the project -> (dimension, code) of the codebook."""
    import yaml

    from chatcode.codebook.qdc import MARKER

    by_guid = {_code_guid(cb, d.id, c.id): (d.id, c.id) for d in cb.dimensions for c in d.codes}
    by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for d in cb.dimensions:
        for c in d.codes:
            for key in {c.label.casefold(), c.id.casefold()}:
                by_name[key].append((d.id, c.id))
    found, unknown = {}, []
    book = root.find(_q("CodeBook"))
    for el in ([] if book is None else book.iter(_q("Code"))):
        guid = el.get("guid", "").strip("{}").upper()
        if guid in by_guid:
            found[guid] = by_guid[guid]
            continue
        desc = el.findtext(_q("Description")) or ""
        if MARKER in desc:
            block = yaml.safe_load(desc.split(MARKER, 1)[1]) or {}
            if "code" in block:
                hits = [k for k in by_guid.values() if k[1] == block["code"]]
                if len(hits) == 1:
                    found[guid] = hits[0]
                    continue
        hits = by_name.get((el.get("name") or "").casefold(), [])
        if len(hits) == 1:
            found[guid] = hits[0]
        elif el.get("isCodable", "true") == "true" and not any(
                d.label.casefold() == (el.get("name") or "").casefold() for d in cb.dimensions):
            unknown.append(el.get("name") or guid)
    if unknown:
        raise CodingError(f"{len(unknown)} code(s) of the project are not in codebook "
                          f"{cb.name}: {', '.join(map(repr, unknown[:8]))}", where=where,
                          hint="rename them in the QDA program to a code label of the "
                               "codebook, or add them to the codebook")
    return found


def _source_texts(root: ET.Element, zf: zipfile.ZipFile, where: Location) -> dict[str, str]:
    texts = {}
    for src in root.iter(_q("TextSource")):
        inline = src.findtext(_q("PlainTextContent"))
        ref = src.get("plainTextPath", "")
        if inline is not None:
            texts[src.get("guid", "")] = inline
        elif ref.startswith("internal://"):
            name = "Sources/" + ref[len("internal://"):]
            try:
                texts[src.get("guid", "")] = zf.read(name).decode("utf-8-sig")
            except KeyError as exc:
                raise CodingError(f"source {src.get('name')!r}: {name} is missing from the "
                                  "zip", where=where, hint="export the project again") from exc
    return texts


def _overlapping(ids: list[str], spans: dict[str, tuple[int, int]], starts: list[int],
                 start: int, end: int) -> list[str]:
    """The posts whose span overlaps [start, end) (``ids`` and ``starts`` in text order)."""
    i = bisect.bisect_left(starts, end) - 1
    found = []
    while i >= 0 and spans[ids[i]][1] > start:
        found.append(ids[i])
        i -= 1
    return found[::-1]


def _user(name: str, pass_: str) -> tuple[str, str]:
    coder, sep, p = name.partition("/")
    return (coder, p) if sep and coder and p else (name, pass_)


def read_qdpx(path: str | Path, *, codebook: Codebook, pass_: str = DEFAULT_PASS,
              all_coded: bool | None = None) -> pd.DataFrame:
    """Read the codings of a REFI-QDA project into a codes table (see the module Notes)."""
    from chatcode.coding.codes import validate_codes

    path = Path(path)
    where = Location(path)
    root, zf = _open(path)
    with zf:
        codes = _code_map(root, codebook, where)
        texts = _source_texts(root, zf, where)
    if all_coded is None:
        all_coded = CHATCODE_NOTE not in (root.findtext(_q("Description")) or "")
    users = {u.get("guid", "").strip("{}").upper(): _user(u.get("name") or u.get("guid", ""),
                                                           pass_)
             for u in root.iter(_q("User"))}
    applied: set[tuple[str, str, str, str, str]] = set()
    coded: set[tuple[str, str, str]] = set()
    sources_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    all_posts: dict[str, list[str]] = {}
    unplaced = 0
    for src in root.iter(_q("TextSource")):
        sguid = src.get("guid", "")
        spans = post_spans(texts.get(sguid, ""))
        starts = [a for a, _ in spans.values()]
        all_posts[sguid] = list(spans)
        for sel in src.iter(_q("PlainTextSelection")):
            start, end = int(sel.get("startPosition", 0)), int(sel.get("endPosition", 0))
            posts = _overlapping(all_posts[sguid], spans, starts, start, max(end, start + 1))
            if not posts:
                unplaced += 1
                continue
            sel_user = sel.get("creatingUser", "").strip("{}").upper()
            codings = list(sel.iter(_q("Coding")))
            for coding in codings or [None]:
                who = sel_user if coding is None else (
                    coding.get("creatingUser", "").strip("{}").upper() or sel_user)
                coder, p = users.get(who, (who or "unknown", pass_))
                ref = None if coding is None else coding.find(_q("CodeRef"))
                for pid in posts:
                    coded.add((pid, coder, p))
                    sources_of[(coder, p)].add(sguid)
                    if ref is not None:
                        target = ref.get("targetGUID", "").strip("{}").upper()
                        if target in codes:
                            applied.add((pid, coder, p) + codes[target])
    if unplaced:
        raise CodingError(f"{unplaced} selection(s) lie outside every post", where=where,
                          hint="the sources must keep the post headers written by chatcode "
                               "export ('[post id] date time author (role):')")
    if all_coded:
        for (coder, p), sguids in sources_of.items():
            for sguid in sguids:
                coded.update((pid, coder, p) for pid in all_posts[sguid])
    rows = [(pid, coder, p, d.id, c.id, int((pid, coder, p, d.id, c.id) in applied))
            for pid, coder, p in sorted(coded) for d in codebook.dimensions for c in d.codes]
    df = pd.DataFrame(rows, columns=list(S.CODES_COLUMNS[:6]))
    return validate_codes(df, codebook=codebook, where=where)
