"""Reproduce published tables: the published figures (``published.yaml``), their consistency
checks (GRIM/GRIMMER-style cells, stars), the run that compares them with chatcode's own tables,
and the bundled synthetic datasets.
"""

from chatcode.reproduce.checks import check_published
from chatcode.reproduce.published import load_published
from chatcode.reproduce.run import reproduce, run_sample

__all__ = ["check_published", "load_published", "reproduce", "run_sample"]
