"""The coding workbench: a local web app where a team codes a chat blind, and the lead
assigns passes, follows progress and agreement, and settles disagreements (``chatcode serve``).
"""

from __future__ import annotations

from chatcode.coding.workbench.app import create_app
from chatcode.coding.workbench.server import allowed_hosts, serve

__all__ = ["allowed_hosts", "create_app", "serve"]
