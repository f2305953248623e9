"""Engagement: the responses each post received (replies, reactions, reactions to replies),
reply latency, participation over time, and the with/without comparison of coded posts.
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports

# imported on first use (PEP 562), so importing the package stays light
__getattr__, __dir__ = exports(__name__, {
    "CodedPosts": "chatcode.engagement.coded",
    "coded_posts": "chatcode.engagement.coded",
    "format_hours": "chatcode.engagement.latency",
    "latency": "chatcode.engagement.latency",
    "reply_delays": "chatcode.engagement.latency",
    "participation": "chatcode.engagement.participation",
    "responses": "chatcode.engagement.responses",
})

if TYPE_CHECKING:
    from chatcode.engagement.coded import CodedPosts, coded_posts
    from chatcode.engagement.latency import format_hours, latency, reply_delays
    from chatcode.engagement.participation import participation
    from chatcode.engagement.responses import responses

__all__ = [
    "CodedPosts",
    "coded_posts",
    "format_hours",
    "latency",
    "participation",
    "reply_delays",
    "responses",
]
