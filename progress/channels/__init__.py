"""Channels: where 催报 and 督办 messages go — e-mail, 企业微信 and 钉钉 group robots.

Pages (views.py): the channels of a unit or of a jurisdiction, for admins (every one) and
supervisors (their jurisdiction's units and the jurisdiction itself); reporters and anonymous
users get 403 / the login page, a supervisor asking for another jurisdiction's 404.

The one way to send is services.channels_deliver (or tasks.deliver, its background task): it
goes through every enabled channel of the target, each robot within its rate limit, retries
with back-off, and records every message (ChannelMessage). docs/channels.md has the details.
"""
