"""`/console/alerts`: what needs an operator now, by thresholds the settings set, and those
thresholds shown beside them.

| alert | setting (default) | an alert when |
|---|---|---|
| dead letters | `dead_letter_alert_count` (1) | at least that many messages are dead |
| open circuits | `open_circuit_alert_count` (1) | at least that many circuits are not closed |
| time limits | `deadline_alert_days` (5) | one is overdue, or due within that many days |
| certificates | `certificate_alert_days` (30) | one of ours expired or expires within as long |
| revocation lists | none | one is past its next update |

A count of 0 turns its alert off; an expired certificate or an overdue time limit is
always an alert.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.console.configuration import revocation_lists
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.observability import gateway_certificates
from gateway.broker.access import Permission
from gateway.broker.breaker import CircuitState
from gateway.broker.states import MessageState
from gateway.domain.frozen import frozen
from gateway.pipeline.alerts import tracking_digest
from gateway.pipeline.services import Services
from gateway.settings import ENV_PREFIX, Settings

__all__ = ["Alert", "Threshold", "alerts", "alerts_of", "thresholds_of"]


@frozen
class Alert:
    kind: str  # dead-letters, open-circuit, deadline-overdue, deadline-due, certificate, crl
    text: str
    link: str


@frozen
class Threshold:
    what: str
    setting: str
    value: int
    rule: str  # when it is an alert, in words

    @property
    def variable(self) -> str:
        return f"{ENV_PREFIX}{self.setting.upper()}"


def thresholds_of(settings: Settings) -> list[Threshold]:
    """The alerts' thresholds as the settings give them, each with its rule in words."""
    dead, circuits = settings.dead_letter_alert_count, settings.open_circuit_alert_count
    days, certificates = settings.deadline_alert_days, settings.certificate_alert_days
    return [
        Threshold(
            what="dead letters",
            setting="dead_letter_alert_count",
            value=dead,
            rule=f"{dead} or more dead letters" if dead else "never (off)",
        ),
        Threshold(
            what="open circuits",
            setting="open_circuit_alert_count",
            value=circuits,
            rule=f"{circuits} or more circuits open or half open" if circuits else "never (off)",
        ),
        Threshold(
            what="time limits",
            setting="deadline_alert_days",
            value=days,
            rule=f"overdue, or due within {days} days (today counts)",
        ),
        Threshold(
            what="certificates",
            setting="certificate_alert_days",
            value=certificates,
            rule=f"the gateway's own expired, or expiring within {certificates} days",
        ),
    ]


async def alerts_of(services: Services) -> list[Alert]:
    """What needs an operator now under the settings' thresholds: dead letters, open
    circuits, time limits overdue or due soon (wrong-hit reports included), certificates
    expired or expiring, stale revocation lists."""
    settings, now = services.settings, services.clock.now()
    found: list[Alert] = []
    counts = await services.store.counts()
    dead = sum(n for (_, state), n in counts.items() if state is MessageState.DEAD)
    if settings.dead_letter_alert_count and dead >= settings.dead_letter_alert_count:
        found.append(Alert(kind="dead-letters", text=f"{dead} dead letters", link="/console/dead"))
    tripped = [
        (peer, circuit.state.state)
        for peer, circuit in sorted(services.dispatcher.circuits.items())
        if circuit.state.state is not CircuitState.CLOSED
    ]
    if settings.open_circuit_alert_count and len(tripped) >= settings.open_circuit_alert_count:
        found += [
            Alert(
                kind="open-circuit",
                text=f"the circuit to {peer} is {state.value}",
                link="/console/peers",
            )
            for peer, state in tripped
        ]
    if services.tracking is not None:
        digest = await tracking_digest(services.tracking, within=settings.deadline_alert_days)
        if digest.overdue:
            text = f"{len(digest.overdue)} time limits overdue"
            found.append(
                Alert(kind="deadline-overdue", text=text, link="/console/deadlines?status=overdue")
            )
        if digest.due_soon:
            text = f"{len(digest.due_soon)} time limits due within {digest.within} days"
            found.append(
                Alert(kind="deadline-due", text=text, link="/console/deadlines?status=due")
            )
    for row in await asyncio.to_thread(gateway_certificates, settings, now):
        if row.expired or row.days_left < settings.certificate_alert_days:
            state = "expired" if row.expired else f"expires in {row.days_left} days"
            text = f"certificate {row.file} ({row.subject}) {state}"
            found.append(Alert(kind="certificate", text=text, link="/console/certificates"))
    for crl in revocation_lists(services.trust, now):
        if crl.stale:
            text = f"the revocation list of {crl.issuer} is past its next update"
            found.append(Alert(kind="crl", text=text, link="/console/trust"))
    return found


@page(Permission.READ_CONFIGURATION)
async def alerts(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return render(
        request,
        "alerts.html",
        {"alerts": await alerts_of(services), "thresholds": thresholds_of(services.settings)},
    )
