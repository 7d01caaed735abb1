"""What the HTTP server and the CLI work with once the composition root has wired it,
and how the tracking services are put together (for the composition root and tests)."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import field

from gateway.broker.dispatcher import Dispatcher
from gateway.broker.outbox import Outbox
from gateway.domain.frozen import frozen
from gateway.observability import Metrics
from gateway.pipeline.batches import Batches
from gateway.pipeline.casework.arrivals import Arrivals
from gateway.pipeline.casework.cases import Cases
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.deadlines import Deadlines
from gateway.pipeline.casework.followups import FollowUps
from gateway.pipeline.casework.hits import Hits
from gateway.pipeline.casework.notices import MarkingNotices
from gateway.pipeline.casework.requests import Requests
from gateway.pipeline.casework.results import Results
from gateway.pipeline.inbound import Inbound
from gateway.pipeline.submissions import Submissions
from gateway.pipeline.wire import Wire
from gateway.ports import Clock, MessageStore, TrackingStore
from gateway.security.trust import TrustStore
from gateway.settings import Settings

__all__ = ["Services", "Tracking", "compose_tracking"]


@frozen
class Tracking:
    """The tracking services as the composition root wired them, sharing one `context`;
    a caller takes the one it needs."""

    context: Context
    results: Results
    cases: Cases
    requests: Requests
    hits: Hits
    followups: FollowUps
    deadlines: Deadlines
    arrivals: Arrivals

    @property
    def store(self) -> TrackingStore:
        return self.context.store


@frozen
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


def compose_tracking(
    *,
    store: TrackingStore,
    outbox: Outbox,
    wire: Wire,
    clock: Clock,
    executor: Executor,
    dublin_unit: str = "",
    alert_days: int = 5,
) -> Tracking:
    """The tracking services over one shared context: hits, cases, requests, follow-ups,
    deadlines and results, and the arrivals that hand them the inbound messages."""
    context = Context(
        store=store,
        outbox=outbox,
        wire=wire,
        clock=clock,
        executor=executor,
        dublin_unit=dublin_unit or None,
    )
    results = Results(context=context)
    cases = Cases(context=context, results=results)
    requests = Requests(context=context, results=results, cases=cases)
    hits = Hits(context=context, results=results, requests=requests)
    followups = FollowUps(context=context, results=results, cases=cases)
    return Tracking(
        context=context,
        results=results,
        cases=cases,
        requests=requests,
        hits=hits,
        followups=followups,
        deadlines=Deadlines(
            context=context,
            results=results,
            cases=cases,
            hits=hits,
            requests=requests,
            alert_days=alert_days,
        ),
        arrivals=Arrivals(
            hits=hits,
            requests=requests,
            followups=followups,
            notices=MarkingNotices(context=context, results=results),
        ),
    )
