"""A simulated member-state access point on DubliNet (`/dublinet/<STATE>`).

It verifies and acknowledges what the gateway sends, decides on receipt how
to answer a request or a re-examination request (its policy), and replies
after the reply delay, after the late delay, or never. The gateway's replies,
re-examination replies, transfer arrangements, pre-transfer information and
health certificates are recorded without an answer beyond the acknowledgement.
A control call makes the peer originate a request to the gateway, or send a
message on a request it made (see `simulators.dublinet.casefile`).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any

from gateway.domain.dublin import (
    DublinRegime,
    DublinReply,
    DublinRequest,
    ReplyOutcome,
    RequestType,
    dublin_regime_for,
)
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.requests import ReexaminationRequest
from gateway.errors import InputError
from gateway.messages import DublinSubmission, Envelope, Message, MessageType, message_type
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from simulators.common.inbound import Inbound, Received, party_of, read_signed
from simulators.common.outbound import sign_message, sign_reply
from simulators.common.processing import Processed
from simulators.common.sending import ReplySender
from simulators.common.state import Pending, SimDb
from simulators.dublinet.casefile import follow_up_content, follows_on, recall, remember
from simulators.dublinet.policy import Action, Decision, Policy, decide

__all__ = ["DublinetConfig", "DublinetPeer", "legal_basis"]

BAD_REQUEST = "GW-SIM-CONTROL"
WRONG_STATE = "GW-SIM-WRONG-RECIPIENT"

_LEGAL_BASIS: dict[tuple[DublinRegime, RequestType], str] = {
    (DublinRegime.DUBLIN3, RequestType.TAKE_CHARGE): "Art 22 Regulation (EU) No 604/2013",
    (DublinRegime.DUBLIN3, RequestType.TAKE_BACK): "Art 25 Regulation (EU) No 604/2013",
    (DublinRegime.DUBLIN3, RequestType.INFORMATION): "Art 34 Regulation (EU) No 604/2013",
    (DublinRegime.AMMR, RequestType.TAKE_CHARGE): "Art 40 Regulation (EU) 2024/1351",
    (DublinRegime.AMMR, RequestType.TAKE_BACK): "Art 41 Regulation (EU) 2024/1351",
    (DublinRegime.AMMR, RequestType.INFORMATION): "Art 51 Regulation (EU) 2024/1351",
}
_REEXAMINATION_BASIS = "Art 5(2) Regulation (EC) No 1560/2003"
# Data the transferring state transmits before a transfer: acknowledged, never answered.
_TRANSMITTED_ONLY = frozenset(
    {RequestType.PRE_TRANSFER_INFORMATION, RequestType.HEALTH_CERTIFICATE}
)


def legal_basis(regime: DublinRegime, request_type: RequestType | None) -> str:
    """The article a reply is given under."""
    if request_type is None:
        return _REEXAMINATION_BASIS
    return _LEGAL_BASIS.get((regime, request_type), f"Regulation {regime.value}")


@frozen
class DublinetConfig:
    reply_delay: timedelta = timedelta(seconds=1)
    late_delay: timedelta = timedelta(seconds=30)
    policy: Policy = field(default_factory=Policy)
    seed: int = 0


class DublinetPeer:
    """One member state's simulated access point."""

    def __init__(
        self,
        *,
        db: SimDb,
        inbound: Inbound,
        signer: Signer,
        config: DublinetConfig,
        gateway: PeerId,
        sender: ReplySender,
    ) -> None:
        self.db = db
        self.inbound = inbound
        self.signer = signer
        self.config = config
        self.policy = config.policy
        self.gateway = gateway
        self._sender = sender
        self.peer = inbound.me
        self.name = self.peer.party

    @staticmethod
    def accepts(message_type: str) -> bool:
        return message_type.startswith("dublinet.") and message_type != "dublinet.ack"

    @staticmethod
    def check_for(party: str) -> Callable[[Message], None]:
        """A request or re-examination request must ask this member state."""

        def check(message: Message) -> None:
            content = message.content
            if isinstance(content, DublinSubmission):
                asked, path = content.request.requested_state, "RequestedState"
            elif isinstance(content, ReexaminationRequest):
                asked, path = content.requested_state, "RequestedState"
            else:
                return
            if asked != party:
                raise InputError(
                    WRONG_STATE, f"the request asks {asked}, this access point is {party}", path
                )

        return check

    async def set_policy(self, policy: Policy) -> None:
        """Answer by `policy` from now on, also after a restart."""
        text = json.dumps(policy.to_json(), sort_keys=True)
        await self.db.run(
            lambda db: db.execute(
                "INSERT INTO dublinet_policies (party, policy) VALUES (?, ?)"
                " ON CONFLICT (party) DO UPDATE SET policy = excluded.policy",
                (self.name, text),
            )
        )
        self.policy = policy

    async def restore_policy(self) -> None:
        """The policy a tester set before a restart, if any."""
        row = await self.db.run(
            lambda db: db.execute(
                "SELECT policy FROM dublinet_policies WHERE party = ?", (self.name,)
            ).fetchone()
        )
        if row is not None:
            self.policy = Policy.from_json(json.loads(row["policy"]))

    # ----- receipt: decide ------------------------------------------------------------

    def plan(self, received: Received, now: datetime) -> tuple[datetime, dict[str, Any] | None]:
        content = received.message.content
        envelope = received.message.envelope
        draw = random.Random(f"{self.config.seed}:{envelope.message_id}").random()  # noqa: S311
        if isinstance(content, DublinSubmission):
            request = content.request
            if request.request_type in _TRANSMITTED_ONLY:
                return now, None
            decision = decide(
                self.policy,
                case=request.national_reference,
                request_type=int(request.request_type),
                requesting_state=request.requesting_state,
                reexamination=False,
                draw=draw,
            )
        elif isinstance(content, ReexaminationRequest):
            decision = decide(
                self.policy,
                case=content.request_reference,
                request_type=None,
                requesting_state=content.requesting_state,
                reexamination=True,
                draw=draw,
            )
        else:
            return now, None
        delay = (
            self.config.late_delay if decision.action is Action.LATE else self.config.reply_delay
        )
        return now + delay, _plan_json(decision)

    # ----- processing: reply ----------------------------------------------------------

    async def process(self, pending: Pending, now: datetime) -> Processed:
        message = await asyncio.to_thread(read_signed, pending.signed_xml)
        envelope, content = message.envelope, message.content
        plan = pending.plan
        if plan is None:
            return Processed(outcome={"recorded": envelope.message_type})
        if plan["outcome"] is None:
            return Processed(outcome={"action": plan["action"], "reply": None})
        if isinstance(content, DublinSubmission):
            reference, request_type = (
                content.request.national_reference,
                content.request.request_type,
            )
            kind = "dublinet.reply"
        elif isinstance(content, ReexaminationRequest):
            reference, request_type, kind = (
                content.request_reference,
                None,
                "dublinet.reexamination-reply",
            )
        else:
            return Processed(outcome={"recorded": envelope.message_type})
        outcome = ReplyOutcome(plan["outcome"])
        assert isinstance(envelope.regime, DublinRegime)  # noqa: S101 - DubliNet messages are
        reply = DublinReply(
            request_reference=reference,
            replying_state=self.peer.party,
            outcome=outcome,
            legal_basis=legal_basis(envelope.regime, request_type),
            reason_codes=tuple(plan["reasons"]),
            explanation=None if outcome is ReplyOutcome.ACCEPT else "Simulated rejection.",
        )
        outgoing = await asyncio.to_thread(
            sign_reply, envelope, reply, kind, me=self.peer, signer=self.signer, now=now
        )
        return Processed(
            outcome={"action": plan["action"], "reply": outcome.value, "reasons": plan["reasons"]},
            outgoing=(outgoing,),
        )

    # ----- requests the peer makes ----------------------------------------------------

    async def originate(
        self,
        *,
        kind: str,
        record: CanonicalRecord,
        national_reference: str,
        now: datetime,
        eurodac_reference: ReferenceNumber | None = None,
        legal_basis_text: str | None = None,
        urgent: bool = False,
        urgency_reason: str | None = None,
        detained: bool = False,
    ) -> Envelope:
        """Send a request of this peer to the gateway (queued; delivered with retries), saying
        whether an urgent reply is asked (and why) and whether the person is detained."""
        message = _request_type(kind)
        application = record.application
        registered = application.registered_on if application else None
        regime = dublin_regime_for(registered or now.date())
        if regime not in message.regimes or message.request_type is None:
            raise InputError(BAD_REQUEST, f"{kind} cannot be sent under {regime.value}", "type")
        request = DublinRequest(
            request_type=message.request_type,
            requesting_state=self.peer.party,
            requested_state=self.gateway.party,
            national_reference=national_reference,
            legal_basis=legal_basis_text or legal_basis(regime, message.request_type),
            urgent=urgent,
            urgency_reason=(urgency_reason or "urgent reply asked") if urgent else None,
            detained=detained,
            eurodac_reference=eurodac_reference,
        )
        submission = DublinSubmission(request=request, record=record)
        outgoing = await asyncio.to_thread(
            lambda: sign_message(
                content=submission,
                message_type=message.name,
                regime=regime,
                sender=self.peer,
                recipient=self.gateway,
                signer=self.signer,
                now=now,
            )
        )
        await self.db.run(
            lambda db: remember(db, outgoing.envelope, reference=national_reference, record=record)
        )
        await self._sender.send([outgoing])
        return outgoing.envelope

    async def follow_up(
        self, *, kind: str, national_reference: str, details: Mapping[str, Any], now: datetime
    ) -> Envelope:
        """Send a message of `kind` on a request this peer made (queued like a request): in
        its conversation, correlated with it."""
        gateway = party_of(self.gateway)
        request = await self.db.run(
            lambda db: recall(db, party=self.name, reference=national_reference, gateway=gateway)
        )
        if request is None:
            raise InputError(
                BAD_REQUEST,
                f"{self.name} made no request {national_reference!r}",
                "national_reference",
            )
        name = follows_on(kind)
        content = follow_up_content(name, request, details)
        outgoing = await asyncio.to_thread(
            lambda: sign_message(
                content=content,
                message_type=name,
                regime=request.envelope.regime,
                sender=self.peer,
                recipient=self.gateway,
                signer=self.signer,
                now=now,
                answering=request.envelope,
            )
        )
        await self._sender.send([outgoing])
        return outgoing.envelope


def _request_type(kind: str) -> MessageType:
    name = kind if kind.startswith("dublinet.") else f"dublinet.{kind}"
    found = message_type(name)
    if found.request_type is None:
        raise InputError(BAD_REQUEST, f"{name} is not a request a peer can make", "type")
    return found


def _plan_json(decision: Decision) -> dict[str, Any]:
    return {
        "action": decision.action.value,
        "outcome": None if decision.outcome is None else decision.outcome.value,
        "reasons": list(decision.reasons),
    }
