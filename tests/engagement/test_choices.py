"""The engagement choices (``chatcode.engagement.choices``, pandas-free for the command line)
are the ones the engagement functions accept, and the command line offers exactly them."""

from __future__ import annotations

import importlib
from typing import get_args

import typer.main

from chatcode.cli import app
from chatcode.corpus import schema as S
from chatcode.engagement import choices

# modules (chatcode.engagement.latency and .responses are also the names of functions)
coded, comparisons, latency, responses = (importlib.import_module(f"chatcode.engagement.{m}")
                                          for m in ("coded", "comparisons", "latency",
                                                    "responses"))


def test_column_choices_are_the_schema_columns():
    assert choices.COMPONENTS == (S.REPLIES, S.REACTIONS, S.REPLY_REACTIONS)
    assert choices.CLUSTERS == (S.AUTHOR, S.GROUP)


def test_the_engagement_modules_use_the_choices_themselves():
    assert responses.RESPONDERS is choices.RESPONDERS
    assert responses.COMPONENTS is choices.COMPONENTS
    assert latency.QUANTILE_METHODS is choices.QUANTILE_METHODS
    assert comparisons.TESTS is choices.TESTS
    assert comparisons.ADJUST_METHODS is choices.ADJUST_METHODS
    assert coded.CLUSTERS is choices.CLUSTERS
    assert get_args(responses.Responders) == choices.RESPONDERS
    assert get_args(comparisons.Test) == choices.TESTS


def _choices(command: str, option: str) -> tuple[str, ...]:
    cmd = typer.main.get_command(app).commands[command]
    param = next(p for p in cmd.params if p.name == option)
    return tuple(str(getattr(c, "value", c)) for c in param.type_descriptor.choices)


def test_the_command_line_offers_exactly_the_choices():
    assert _choices("responses", "responders") == choices.RESPONDERS
    assert _choices("responses", "count") == choices.COMPONENTS
    assert _choices("latency", "quantile_method") == choices.QUANTILE_METHODS
    for command in ("tables", "report"):
        assert _choices(command, "test") == choices.TESTS
        assert _choices(command, "adjust") == ("none", *choices.ADJUST_METHODS)
        assert _choices(command, "cluster") == choices.CLUSTERS
        assert _choices(command, "responders") == choices.RESPONDERS
