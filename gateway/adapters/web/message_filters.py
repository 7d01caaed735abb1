"""The filters of a list of messages as the URL gives them: the same query parameters for
`GET /v1/messages` and the console's list (and its CSV export), read into one `MessageQuery`.
Each route adds how it bounds the time and pages the list."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from gateway.adapters.web.directory import MESSAGE_TYPES, Direction, MessageQuery
from gateway.adapters.web.params import Choice, Text
from gateway.broker.states import MessageState
from gateway.ports import MessageFilter

__all__ = ["DIRECTION", "FILTERS", "REFERENCE", "message_query"]

DIRECTION = Choice(
    name="direction",
    choices={direction.value: direction for direction in Direction},
    description="outbound: ours; inbound: the peers' (default: both, merged by time)",
)
STATE = Choice(name="state", choices={state.value: state for state in MessageState})
PEER = Text(name="peer", description="e.g. EU:eurodac")
REFERENCE = Text(name="reference")
CONVERSATION = Text(name="conversation")
CORRELATION = Text(name="correlation", description="answering this message (its id)")
MESSAGE_TYPE = Choice(name="type", choices={name: name for name in MESSAGE_TYPES})
FILTERS = (DIRECTION, STATE, PEER, REFERENCE, CONVERSATION, CORRELATION, MESSAGE_TYPE)
"""Declare them with `@query(*FILTERS, ...)` on the route that calls `message_query`."""


def message_query(
    request: web.Request,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> MessageQuery:
    """The messages the URL's filters keep, created from `since` to before `until`, the page
    of `limit` after skipping `offset` of the newest."""
    return MessageQuery(
        direction=DIRECTION.read(request),
        filter=MessageFilter(
            state=STATE.read(request),
            peer=PEER.read(request),
            reference=REFERENCE.read(request),
            conversation_id=CONVERSATION.read(request),
            correlation_id=CORRELATION.read(request),
            message_type=MESSAGE_TYPE.read(request),
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        ),
    )
