"""The REFI-QDA Codebook exchange format (``.qdc``, https://www.qdasoftware.org/).

``codebook_qdc`` writes a codebook as a REFI-QDA Codebook 1.0 document, ``import_qdc`` reads
one (written by chatcode or by MAXQDA, NVivo, ATLAS.ti, QualCoder, ...), and
``qdc_problems`` checks a document against the structure of the schema (Codebook.xsd).

Notes
-----
How a codebook maps to ``.qdc`` (REFI-QDA Codebook 1.0): every dimension is a top-level
code with ``isCodable="false"``; its codes are codable children, subcodes nested under their
parent. A code's ``Description`` is its definition, then a line ``--- chatcode ---`` and a
YAML block with the rest (id, include, exclude, examples, keywords, ...). The dimension's
block holds its id, ``multiple`` and the order of its codes. A ``Set`` named
``chatcode codebook NAME`` holds name, version, description and tables; one more ``Set`` per
dimension lists its codes (code groups in ATLAS.ti / MAXQDA). GUIDs are uuid5 of the
codebook name and the ids, so they stay the same from one export to the next.
A ``.qdc`` from another tool (no chatcode blocks) becomes one dimension per top-level code,
``multiple: true``, with ids made from the names; :class:`QdcImport` lists what was assumed.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import yaml

from chatcode.codebook.check import codebook_from_dict
from chatcode.codebook.model import Codebook, codebook_to_dict
from chatcode.errors import ChatcodeWarning, CodebookError, Location, Problem, Problems

__all__ = ["MARKER", "QDC_NS", "QdcImport", "codebook_qdc", "import_qdc", "qdc_problems",
           "read_qdc"]


# --- REFI-QDA .qdc: export ----------------------------------------------------------------

QDC_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MARKER = "--- chatcode ---"
META_SET_PREFIX = "chatcode codebook "
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:chatcode:codebook")
_PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2",
            "#7F7F7F", "#BCBD22", "#17BECF")
_GUID = re.compile(r"^(\{)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}(?(1)\})$")
_RGB = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def _q(tag: str) -> str:
    return f"{{{QDC_NS}}}{tag}"


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "/".join(parts))).upper()


def code_guid(codebook_name: str, dimension: str, code: str) -> str:
    """The GUID a code has in every REFI-QDA file chatcode writes (``.qdc`` and ``.qdpx``):
    derived from the codebook's name, the dimension and the code, so it is the same in
    every export of the same codebook."""
    return _guid(codebook_name, dimension, code)


def _describe(parent: ET.Element, text: str, data: dict) -> None:
    block = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    ET.SubElement(parent, _q("Description")).text = (
        f"{text}\n\n{MARKER}\n{block}" if text else f"{MARKER}\n{block}")


def codebook_qdc(cb: Codebook) -> str:
    """The codebook as a REFI-QDA Codebook 1.0 document (``.qdc``), see the module notes."""
    from chatcode import __version__

    content = codebook_to_dict(cb)
    root = ET.Element(_q("CodeBook"), {"origin": f"chatcode {__version__}"})
    codes_el = ET.SubElement(root, _q("Codes"))
    for i, (dim, dim_data) in enumerate(zip(cb.dimensions, content["dimensions"], strict=True)):
        color = _PALETTE[i % len(_PALETTE)]
        dim_el = ET.SubElement(codes_el, _q("Code"), {
            "guid": _guid(cb.name, dim.id), "name": dim.label, "isCodable": "false",
            "color": color})
        _describe(dim_el, dim.definition, {"dimension": dim.id, "multiple": dim.multiple,
                                            "codes": list(dim.code_ids)})
        data = {c["id"]: c for c in dim_data["codes"]}
        _add_codes(dim_el, cb.name, dim, None, data, color)
    sets = ET.SubElement(root, _q("Sets"))
    meta = ET.SubElement(sets, _q("Set"), {"guid": _guid(cb.name, "codebook"),
                                           "name": META_SET_PREFIX + cb.name})
    _describe(meta, cb.description, {"name": cb.name, "version": cb.version,
                                     "tables": content.get("tables", [])})
    for dim in cb.dimensions:
        dim_set = ET.SubElement(sets, _q("Set"), {"guid": _guid(cb.name, "set", dim.id),
                                                  "name": f"{dim.label} ({dim.id})"})
        ET.SubElement(dim_set, _q("Description")).text = f"The codes of dimension {dim.id}."
        for code in dim.codes:
            ET.SubElement(dim_set, _q("MemberCode"), {"guid": _guid(cb.name, dim.id, code.id)})
    ET.register_namespace("", QDC_NS)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _add_codes(parent_el: ET.Element, name: str, dim, parent: str | None, data: dict,
               color: str) -> None:
    for code in dim.codes:
        if code.parent != parent:
            continue
        el = ET.SubElement(parent_el, _q("Code"), {
            "guid": code_guid(name, dim.id, code.id), "name": code.label, "isCodable": "true",
            "color": color})
        block = {"code": code.id} | {k: v for k, v in data[code.id].items()
                                     if k not in ("id", "label", "definition", "parent")}
        _describe(el, code.definition, block)
        _add_codes(el, name, dim, code.id, data, color)


# --- REFI-QDA .qdc: structure check -------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def qdc_problems(root: ET.Element) -> list[str]:
    """Where a parsed ``.qdc`` departs from the REFI-QDA Codebook 1.0 schema (empty: none).

    Checks what Codebook.xsd fixes: the root ``CodeBook`` in the codebook namespace with an
    optional ``origin``; ``Codes`` (one or more ``Code``) then optional ``Sets`` (one or more
    ``Set``); a ``Code`` has ``guid``, ``name``, ``isCodable`` (boolean), optional ``color``
    (#RRGGBB), an optional ``Description`` first and then child ``Code``s; a ``Set`` has
    ``guid`` and ``name``, an optional ``Description`` then ``MemberCode guid=...``. Also that
    GUIDs are unique and every ``MemberCode`` names a code of the file.
    """
    out: list[str] = []
    if root.tag != _q("CodeBook"):
        return [f"the root element is {root.tag!r}, not CodeBook in namespace {QDC_NS}"]
    _attrs(root, "CodeBook", required=(), optional=("origin", f"{{{XSI_NS}}}schemaLocation"),
           out=out)
    kids = [_local(k.tag) for k in root]
    if kids not in (["Codes"], ["Codes", "Sets"]):
        out.append(f"CodeBook must hold Codes and then optionally Sets, not {kids}")
    guids: list[str] = []
    for codes in root.findall(_q("Codes")):
        _children(codes, "Codes", "Code", out)
        for code in codes.findall(_q("Code")):
            _check_code(code, out, guids)
    code_guids = set(guids)
    for sets in root.findall(_q("Sets")):
        _children(sets, "Sets", "Set", out)
        for s in sets.findall(_q("Set")):
            _check_set(s, out, guids, code_guids)
    dups = sorted({g for g in guids if guids.count(g) > 1})
    if dups:
        out.append(f"GUIDs used more than once: {', '.join(dups)}")
    return out


def _attrs(el: ET.Element, what: str, *, required: tuple[str, ...], optional: tuple[str, ...],
           out: list[str]) -> None:
    for name in required:
        if name not in el.attrib:
            out.append(f"{what} has no attribute {name!r}")
    for name in el.attrib:
        if name not in required + optional:
            out.append(f"{what} has the attribute {name!r}, which the schema does not allow")
    guid = el.get("guid")
    if guid is not None and not _GUID.match(guid):
        out.append(f"{what} has the malformed guid {guid!r}")


def _children(el: ET.Element, what: str, child: str, out: list[str]) -> None:
    kids = [_local(k.tag) for k in el]
    if not kids or set(kids) != {child}:
        out.append(f"{what} must hold one or more {child} elements, not {kids}")


def _check_code(code: ET.Element, out: list[str], guids: list[str]) -> None:
    what = f"Code {code.get('name')!r}"
    _attrs(code, what, required=("guid", "name", "isCodable"), optional=("color",), out=out)
    if code.get("isCodable") not in (None, "true", "false", "1", "0"):
        out.append(f"{what}: isCodable must be true or false")
    if code.get("color") is not None and not _RGB.match(code.get("color", "")):
        out.append(f"{what}: color must look like #1F77B4")
    kids = [_local(k.tag) for k in code]
    body = kids[1:] if kids[:1] == ["Description"] else kids
    if any(k != "Code" for k in body):
        out.append(f"{what} must hold an optional Description and then Codes, not {kids}")
    guids.append(code.get("guid", ""))
    for child in code.findall(_q("Code")):
        _check_code(child, out, guids)


def _check_set(s: ET.Element, out: list[str], guids: list[str], code_guids: set[str]) -> None:
    what = f"Set {s.get('name')!r}"
    _attrs(s, what, required=("guid", "name"), optional=(), out=out)
    kids = [_local(k.tag) for k in s]
    body = kids[1:] if kids[:1] == ["Description"] else kids
    if any(k != "MemberCode" for k in body):
        out.append(f"{what} must hold an optional Description and then MemberCodes, not {kids}")
    guids.append(s.get("guid", ""))
    for member in s.findall(_q("MemberCode")):
        _attrs(member, f"a MemberCode of {what}", required=("guid",), optional=(), out=out)
        if member.get("guid") not in code_guids:
            out.append(f"{what} lists the unknown code {member.get('guid')!r}")


# --- REFI-QDA .qdc: import ----------------------------------------------------------------

@dataclass(frozen=True)
class QdcImport:
    """A codebook read from a ``.qdc`` file, and notes on what had to be assumed."""

    codebook: Codebook
    notes: tuple[str, ...] = ()


def read_qdc(path: str | Path) -> Codebook:
    """The codebook of a ``.qdc`` file; the notes of :func:`import_qdc`, if any, are given
    as one ChatcodeWarning."""
    result = import_qdc(path)
    if result.notes:
        warnings.warn(ChatcodeWarning(
            f"{path}: {len(result.notes)} note(s) on the import: " + "; ".join(result.notes)),
            stacklevel=2)
    return result.codebook


def import_qdc(path: str | Path) -> QdcImport:
    """Read a REFI-QDA codebook (``.qdc``) written by chatcode or by another tool.

    A file chatcode wrote comes back unchanged (equal codebook, equal hash). A file from
    another tool becomes one dimension per top-level code (``multiple: true``, ids made from
    the names; top-level codes without subcodes go to one dimension ``codes``), and the notes
    say so. Raises :class:`CodebookError` when the file is not a codebook.
    """
    path = Path(path)
    root = _parse_qdc(path)
    problems = [p for p in qdc_problems(root) if "schema does not allow" not in p]
    if problems:
        raise Problems.of(CodebookError, [Problem(
            p, Location(path), "export the codebook again from the QDA program") for p in problems])
    notes: list[str] = []
    meta = _meta_block(root)
    if meta is None:
        origin = root.get("origin") or "unknown origin"
        meta = {"name": _slug(path.stem), "version": "1",
                "description": f"Imported from {path.name} ({origin})."}
        notes.append(f"no chatcode codebook data (Set '{META_SET_PREFIX}NAME') in the file: "
                     f"name {meta['name']!r}, version '1', no tables")
    dims, leaves = [], []
    for el in root.findall(f"{_q('Codes')}/{_q('Code')}"):
        text, block = _split(el)
        if "dimension" in block:
            dims.append(_chatcode_dimension(el, text, block, notes))
        elif el.findall(_q("Code")):
            dims.append(_foreign_dimension(el, text, dims, notes))
        else:
            leaves.append(el)
    if leaves:
        dims.append({"id": _unique("codes", [d["id"] for d in dims]), "label": "Codes",
                     "multiple": True, "codes": _foreign_codes(leaves, None, [], notes)})
        notes.append(f"{len(leaves)} top-level code(s) without subcodes went to the "
                     "dimension 'codes' (multiple: true)")
    data = {k: v for k, v in meta.items() if k != "tables"} | {"dimensions": dims}
    if meta.get("tables"):
        data["tables"] = meta["tables"]
    return QdcImport(codebook_from_dict(data, source=path), tuple(notes))


def _parse_qdc(path: Path) -> ET.Element:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError("file not found", where=Location(path), hint="check the path") from exc
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise CodebookError("the .qdc file declares a DOCTYPE or entities, which is refused",
                            where=Location(path), hint="export the codebook again")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        line, col = exc.position
        raise CodebookError(f"not valid XML: {exc.msg if hasattr(exc, 'msg') else exc} "
                            f"(column {col + 1})", where=Location(path, line=line),
                            hint="a .qdc file is the XML a QDA program exports") from exc


def _split(el: ET.Element) -> tuple[str, dict]:
    """The free text of an element's Description, and its chatcode block (or {})."""
    desc = el.find(_q("Description"))
    text = (desc.text or "") if desc is not None else ""
    lines = text.split("\n")
    marks = [i for i, line in enumerate(lines) if line.rstrip() == MARKER]
    if not marks:
        return text.strip(), {}
    free, block = "\n".join(lines[:marks[-1]]), "\n".join(lines[marks[-1] + 1:])
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        data = None
    return free.strip(), data if isinstance(data, dict) else {}


def _meta_block(root: ET.Element) -> dict | None:
    for s in root.findall(f"{_q('Sets')}/{_q('Set')}"):
        if (s.get("name") or "").startswith(META_SET_PREFIX):
            text, block = _split(s)
            if "name" in block:
                return ({"name": block["name"], "version": block.get("version")}
                        | ({"description": text} if text else {})
                        | {"tables": block.get("tables") or []})
    return None


def _chatcode_dimension(el: ET.Element, text: str, block: dict, notes: list[str]) -> dict:
    codes: list[dict] = []
    _walk_chatcode(el, None, codes, notes)
    order = {cid: i for i, cid in enumerate(block.get("codes") or [])}
    codes.sort(key=lambda c: order.get(c["id"], len(order)))
    dim = {"id": block["dimension"], "label": el.get("name", ""), "multiple": block.get("multiple"),
           "codes": codes}
    return dim | ({"definition": text} if text else {})


def _walk_chatcode(el: ET.Element, parent: str | None, codes: list[dict],
                   notes: list[str]) -> None:
    for child in el.findall(_q("Code")):
        text, block = _split(child)
        if "code" not in block:
            codes.extend(_foreign_codes([child], parent, [c["id"] for c in codes], notes))
            continue
        code = {"id": block.pop("code"), "label": child.get("name", ""), "definition": text}
        code |= block | ({"parent": parent} if parent else {})
        codes.append(code)
        _walk_chatcode(child, code["id"], codes, notes)


def _foreign_dimension(el: ET.Element, text: str, dims: list[dict], notes: list[str]) -> dict:
    did = _unique(_slug(el.get("name", "")), [d["id"] for d in dims])
    notes.append(f"the top-level code {el.get('name')!r} became the dimension {did!r} "
                 "(multiple: true); set 'multiple: false' if a post gets at most one of its codes")
    dim = {"id": did, "label": el.get("name", "") or did, "multiple": True,
           "codes": _foreign_codes(el.findall(_q("Code")), None, [], notes)}
    return dim | ({"definition": text} if text else {})


def _foreign_codes(elements: list[ET.Element], parent: str | None, taken: list[str],
                   notes: list[str]) -> list[dict]:
    out: list[dict] = []
    for el in elements:
        text, _ = _split(el)
        label = el.get("name", "")
        cid = _unique(_slug(label), taken + [c["id"] for c in out])
        if not text:
            notes.append(f"the code {label!r} has no description; its name is its definition")
        out.append({"id": cid, "label": label or cid, "definition": text or label or cid}
                   | ({"parent": parent} if parent else {}))
        out.extend(_foreign_codes(el.findall(_q("Code")), cid,
                                  taken + [c["id"] for c in out], notes))
    return out


def _slug(name: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")
    return s if s[:1].isalpha() else f"code_{s}".rstrip("_")


def _unique(ident: str, taken: list[str]) -> str:
    n, out = 2, ident
    while out in taken:
        out, n = f"{ident}_{n}", n + 1
    return out
