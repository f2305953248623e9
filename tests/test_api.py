"""The public API: every name users import from ``chatcode`` today keeps working."""

from __future__ import annotations

import importlib

import chatcode

PUBLIC = {
    "AgreementError", "AgreementResult", "ChatcodeError", "ChatcodeWarning", "Code", "Codebook",
    "CodebookError", "CodedPosts", "CodingError", "CodingStore", "Corpus", "Dimension",
    "FORMATS", "IngestError", "PseudonymKey", "SchemaError", "Selection", "TableSpec",
    "TablesError", "__version__", "agreement", "build_tables", "check_published",
    "coded_posts", "detect_format", "export_codebook", "format_hours", "frequencies_table",
    "ingest", "ingest_report", "latency", "load_codebook", "load_published", "load_sample",
    "participation", "pseudonymize", "read_codes", "read_corpus", "read_disagreements",
    "read_key", "read_store", "reply_delays", "reply_links", "reproduce", "responses",
    "sample_dir", "select_posts", "support_characteristics_table", "topics_table",
    "validate_codes", "with_without_table", "write_corpus", "write_disagreements",
    "write_report", "write_sheet",
}

STAGES = ("corpus", "ingest", "codebook", "coding", "reliability", "engagement", "exchange",
          "tables", "reproduce", "cli")


def test_every_public_name_is_exported_and_importable():
    assert PUBLIC <= set(chatcode.__all__)
    for name in chatcode.__all__:
        assert getattr(chatcode, name) is not None, name


def test_each_stage_package_says_what_it_does():
    for stage in STAGES:
        module = importlib.import_module(f"chatcode.{stage}")
        assert module.__doc__ and len(module.__doc__.split()) >= 5, stage
        for name in getattr(module, "__all__", ()):
            assert hasattr(module, name), f"chatcode.{stage}.{name}"


ORDER = ("errors", "_io", "corpus", "ingest", "codebook", "coding", "reliability",
         "engagement", "exchange", "tables", "reproduce", "cli")


def _imports(path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_no_stage_imports_a_later_stage_except_its_public_names():
    """A stage depends on the stages before it; a later stage is reached only through the
    names its package exports (``from chatcode.reliability import CodingMatrix``)."""
    from pathlib import Path

    src = Path(chatcode.__file__).parent
    wrong = []
    for path in src.rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        stage = parts[0] if len(parts) > 1 or parts[0] in ORDER else None
        if stage not in ORDER:
            continue
        for module, names in _imports(path):
            target = module.split(".")
            if target[0] != "chatcode" or len(target) < 2 or target[1] not in ORDER:
                continue
            if ORDER.index(target[1]) <= ORDER.index(stage):
                continue
            package = importlib.import_module(f"chatcode.{target[1]}")
            public = set(getattr(package, "__all__", ()))
            if len(target) > 2 or not set(names) <= public:
                wrong.append(f"{path.relative_to(src)} imports {module} {names}")
    assert not wrong, "\n".join(wrong)
