"""What the HTTP server and the CLI work with once the composition root has wired it."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.broker.dispatcher import Dispatcher
from gateway.broker.outbox import Outbox
from gateway.observability import Metrics
from gateway.pipeline.batches import Batches
from gateway.pipeline.inbound import Inbound
from gateway.pipeline.submissions import Submissions
from gateway.pipeline.tracking import Tracking
from gateway.ports import Clock, MessageStore
from gateway.security.trust import TrustStore
from gateway.settings import Settings

__all__ = ["Services"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Services:
    settings: Settings
    clock: Clock
    store: MessageStore
    outbox: Outbox
    submissions: Submissions
    inbound: Inbound
    dispatcher: Dispatcher
    trust: TrustStore
    batches: Batches | None = None  # batch uploads of source exports
    tracking: Tracking | None = None
    webhooks: Dispatcher | None = None  # delivers results to the submitters' webhooks
    metrics: Metrics = field(default_factory=Metrics)
