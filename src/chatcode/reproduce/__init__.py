"""Reproduce published tables: the published figures (``published.yaml``), their consistency
checks (GRIM/GRIMMER-style cells, stars), the run that compares them with chatcode's own tables,
and the bundled synthetic datasets.
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports

# imported on first use (PEP 562), so importing the package stays light
__getattr__, __dir__ = exports(__name__, {
    "check_published": "chatcode.reproduce.checks",
    "load_published": "chatcode.reproduce.published",
    "reproduce": "chatcode.reproduce.run",
    "run_sample": "chatcode.reproduce.run",
})

if TYPE_CHECKING:
    from chatcode.reproduce.checks import check_published
    from chatcode.reproduce.published import load_published
    from chatcode.reproduce.run import reproduce, run_sample

__all__ = ["check_published", "load_published", "reproduce", "run_sample"]
