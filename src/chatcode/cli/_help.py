"""Readable ``--help``: real metavars instead of typer's type labels.

typer prints a flag as ``--force <bool>``, a path as ``<file>``, a list argument as
``{codes}... <list[Path]>``. :func:`tidy_help` walks the click command tree once before a
run and gives every parameter without an explicit ``metavar`` a conventional one: flags
none, arguments their name in capitals (``CODES...``), options a word for their value
(``FILE``, ``DIR``, ``PATH``, ``N``, ``NUMBER``, ``[table|csv|json]``, else the option's
name in capitals). An explicit ``metavar=`` in a command module always wins.
"""

__all__ = ["tidy_help"]

_PATH_WORDS = {"file": "FILE", "directory": "DIR", "dir": "DIR"}


def _option_metavar(param) -> str:
    """A word for an option's value (typer's parameters describe their type in
    ``type_descriptor``: choices, paths, the annotation)."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return (param.name or "value").upper()
    if desc.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    if desc.is_path:
        return _PATH_WORDS.get(str(desc.path_type), "PATH")
    if desc.annotation is int:
        return "N"
    if desc.annotation is float:
        return "NUMBER"
    return (param.name or "value").upper().replace("_", "-")


def _tidy_param(param) -> None:
    if param.param_type_name == "argument":
        if param.metavar is None:
            word = (param.name or "arg").upper().replace("_", "-")
            param.metavar = word + ("..." if param.nargs != 1 else "")
        param.get_usage_pieces = lambda ctx, m=param.metavar: [m]  # no typer {braces}
        param.display_type_rich = lambda ctx: None  # the name says it: no <list[Path]>
    elif param.param_type_name == "option" and param.metavar is None:
        flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        param.metavar = "" if flag else _option_metavar(param)
        if len(param.metavar) > 30:  # a long list of choices goes into the help text
            choices = param.metavar.strip("[]").replace("|", ", ")
            param.metavar = (param.name or "value").upper().replace("_", "-")
            param.help = f"{param.help or ''} One of: {choices}.".strip()


def _help_option(original):
    def get_help_option(ctx):
        option = original(ctx)
        if option is not None:
            option.metavar = ""
            # absent, typer's help flag is None, which typer coerces through a pydantic
            # adapter (importing pydantic); False is a bool and skips that coercion
            option.default = False
        return option
    return get_help_option


WIDTH = 76  # an example line, indented, fits an 80-column terminal


def _fold(example: str) -> str:
    """A long example command folded at spaces with shell continuations (`` \\``), so it
    fits 80 columns and still pastes into a shell as one command."""
    import textwrap

    lines = textwrap.wrap(example.strip(), WIDTH - 6, break_long_words=False,
                          break_on_hyphens=False)
    return " \\\n      ".join(lines)


def _keep_examples(epilog: str | None) -> str | None:
    """Example lines are never re-wrapped by click (its ``\\b`` marker), but folded."""
    if not epilog:
        return epilog
    parts = epilog.split("\n\n")
    return "\n\n".join("\b\n  " + _fold(p) if p.lstrip().startswith("chatcode ") else p
                       for p in parts)


def tidy_help(command):
    """Set the metavars of ``command`` and all its subcommands (see the module docstring)."""
    command.epilog = _keep_examples(command.epilog)
    for param in command.params:
        _tidy_param(param)
    command.get_help_option = _help_option(command.get_help_option)
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command
