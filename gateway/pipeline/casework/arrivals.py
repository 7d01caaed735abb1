"""Tracking's side of the inbound pipeline: each new verified message goes to the service
it concerns (wired into `Inbound` as its `on_message`).

A Eurodac hit waits for an expert, a no-hit or an error becomes a result, a marking
notice is told to the submitter, a DubliNet request opens an incoming case, an
acknowledgement of our request starts its reply clock; a reply, and any later message on
a case, is matched to its case.
"""

from __future__ import annotations

from gateway.broker.records import Receipt
from gateway.domain.dublin import DublinReply
from gateway.domain.frozen import frozen
from gateway.domain.replies import (
    Acknowledgement,
    EurodacErrorReply,
    EurodacHit,
    EurodacMarkingNotice,
    EurodacNoHit,
)
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.errors import GatewayError, TransportError
from gateway.logging import get_logger
from gateway.messages import DublinSubmission, Message
from gateway.pipeline.casework.followups import FollowUps
from gateway.pipeline.casework.hits import Hits
from gateway.pipeline.casework.notices import MarkingNotices
from gateway.pipeline.casework.requests import Requests, opens_case

__all__ = ["Arrivals"]


@frozen
class Arrivals:
    """Hands each inbound message to the hits, requests, follow-ups or marking notices."""

    hits: Hits
    requests: Requests
    followups: FollowUps
    notices: MarkingNotices

    async def on_message(self, message: Message, receipt: Receipt) -> None:
        """For `Inbound`: act on a new verified message from a peer."""
        content = message.content
        log = get_logger(message_id=str(message.envelope.message_id))
        try:
            if isinstance(content, EurodacHit):
                await self.hits.arrived(message, content, receipt.correlated)
            elif isinstance(content, EurodacNoHit | EurodacErrorReply):
                await self.hits.answer_arrived(message, content, receipt.correlated)
            elif isinstance(content, EurodacMarkingNotice):
                await self.notices.arrived(message, content)
            elif isinstance(content, DublinSubmission) and opens_case(content):
                await self.requests.arrived(message, content)
            elif isinstance(content, DublinSubmission | ReexaminationRequest | TransferArrangement):
                await self.followups.arrived(message, content)  # on a case, or unmatched
            elif isinstance(content, DublinReply):
                await self.followups.reply_arrived(message, content)
            elif isinstance(content, Acknowledgement) and receipt.correlated is not None:
                await self.requests.acknowledged(message, content, receipt.correlated)
        except TransportError:
            raise  # the store is away: the peer gets no acknowledgement and sends it again
        except GatewayError as error:  # recorded already; an operator sees it in the log
            log.warning("tracking could not use the message", code=error.code)
