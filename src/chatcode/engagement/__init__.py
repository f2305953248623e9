"""Engagement: the responses each post received (replies, reactions, reactions to replies),
reply latency, participation over time, and the with/without comparison of coded posts.
"""

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
