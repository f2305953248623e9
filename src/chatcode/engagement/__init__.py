"""Engagement: the responses each post received (replies, reactions, reactions to replies),
reply latency, participation over time, and the with/without comparison of coded posts.
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports

# imported on first use (PEP 562), so importing the package stays light
__getattr__, __dir__ = exports(__name__, {
    "CodedPosts": "chatcode.engagement.coded",
    "coded_posts": "chatcode.engagement.coded",
    "count_model": "chatcode.engagement.count_model",
    "model_frame": "chatcode.engagement.count_model",
    "format_hours": "chatcode.engagement.latency",
    "latency": "chatcode.engagement.latency",
    "reply_delays": "chatcode.engagement.latency",
    "participation": "chatcode.engagement.participation",
    "responses": "chatcode.engagement.responses",
})

if TYPE_CHECKING:
    from chatcode.engagement.coded import CodedPosts, coded_posts
    from chatcode.engagement.count_model import count_model, model_frame
    from chatcode.engagement.latency import format_hours, latency, reply_delays
    from chatcode.engagement.participation import participation
    from chatcode.engagement.responses import responses

__all__ = [
    "CodedPosts",
    "coded_posts",
    "count_model",
    "format_hours",
    "latency",
    "model_frame",
    "participation",
    "reply_delays",
    "responses",
]
