"""The composition root: the one place where settings meet adapters.

Everything else receives its collaborators as arguments; tests build the
same objects with fakes from `gateway.testing`.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

from gateway.adapters.checkpoint_file import CheckpointFile
from gateway.adapters.clock import SystemClock
from gateway.adapters.http_transport import HttpTransport, Route
from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sql_tracking import PostgresTrackingStore, SqliteTrackingStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.adapters.webhook_transport import WebhookTransport
from gateway.broker.checkpoints import Checkpoint, CheckpointPolicy
from gateway.broker.dispatcher import Dispatcher, DispatcherPolicy
from gateway.broker.outbox import Outbox
from gateway.broker.retry import RetryPolicy
from gateway.broker.sealing import BodyCipher, parse_key_ring
from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, GatewayError
from gateway.logging import configure_logging, get_logger
from gateway.mapping.source_readers import Reader, record_sources, source_readers
from gateway.observability import Metrics
from gateway.pipeline.alerts import deadline_counts
from gateway.pipeline.audit_checkpoints import Checkpointer, gateway_of, read_line
from gateway.pipeline.batches import Batches
from gateway.pipeline.cpu_processes import ProcessWork
from gateway.pipeline.cpu_work import CpuTools, CpuWork, ThreadWork
from gateway.pipeline.inbound import Inbound
from gateway.pipeline.results import WEBHOOK_PEER, parse_webhooks
from gateway.pipeline.services import Services, compose_tracking
from gateway.pipeline.submissions import Submissions
from gateway.pipeline.wire import Wire
from gateway.ports import Clock, MessageStore, TrackingStore
from gateway.security.configured import client_context_from, signer_from, trust_store_from
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.settings import Settings
from gateway.validation.parsing import XmlLimits
from gateway.validation.schemas import default_pack

__all__ = [
    "Gateway",
    "audit_checkpoints",
    "build_gateway",
    "checkpoint_file",
    "checkpointer",
    "open_store",
    "open_tracking",
    "running_services",
    "store_location",
]

EURODAC_PEER = PeerId(party="EU", system="eurodac")


@frozen
class Gateway:
    """The gateway's collaborators for commands that need no store."""

    settings: Settings
    clock: Clock


def build_gateway(settings: Settings, *, clock: Clock | None = None) -> Gateway:
    """Configure logging and wire the adapters the settings ask for."""
    configure_logging(settings.log_level, settings.log_format)
    return Gateway(settings=settings, clock=clock or SystemClock())


def store_location(settings: Settings) -> Path | str:
    """Where the store is, as `database_url` says: a PostgreSQL URL (`postgresql://...`), or
    the path of the SQLite file (`sqlite:///PATH`, else `gateway.sqlite3` in the data
    directory)."""
    url = settings.database_url
    if url.startswith(("postgresql://", "postgres://")):
        return url
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite://"))
    if url:
        raise ConfigError(
            "GW-CFG-INVALID",
            "database_url is postgresql://... or sqlite:///PATH",
            "EUGW_DATABASE_URL",
        )
    return settings.data_dir / "gateway.sqlite3"


async def open_store(settings: Settings) -> MessageStore:
    """PostgreSQL or SQLite, where `store_location` says."""
    location = store_location(settings)
    if isinstance(location, str):
        return await PostgresStore.open(location)
    return await SqliteStore.open(location)


async def open_tracking(settings: Settings) -> TrackingStore:
    """The tracking tables, in the same database as the message store."""
    location = store_location(settings)
    if isinstance(location, str):
        return await PostgresTrackingStore.open(location)
    return await SqliteTrackingStore.open(location)


def body_cipher(settings: Settings) -> BodyCipher:
    """The key ring for bodies at rest: from `body_keys`, or a key file made on first start."""
    if settings.body_keys:
        ring = parse_key_ring(settings.body_keys, "EUGW_BODY_KEYS")
    else:
        ring = parse_key_ring(_body_key_file(settings.data_dir / "keys" / "body.keys"), "body.keys")
    return BodyCipher(ring, settings.active_body_key or list(ring)[-1])


def _body_key_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # keys: this user only
        key = base64.b64encode(os.urandom(32)).decode()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(f"k1:{key}\n")
    return path.read_text().strip().replace("\n", ",")


def peer_routes(settings: Settings) -> dict[str, Route]:
    """Where each peer listens, with a TLS context that checks it is that peer's server."""
    peers = [(EURODAC_PEER, settings.eurodac_url)] + [
        (PeerId(party=party, system="dublinet"), url)
        for party, url in dublinet_urls(settings).items()
    ]
    return {
        str(peer): Route(url=url, ssl_context=client_context_from(settings, server=peer))
        for peer, url in peers
    }


def dublinet_urls(settings: Settings) -> dict[str, str]:
    """The URL of each peer of `dublinet_peers`. `dublinet_url` is a template naming the peer
    `{party}` (hosts of their own: https://dublinet.{party}.example/in), or a list
    `NL=URL,FR=URL,...` (peers on one host each have a port of their own: a server
    presents one party's certificate); a peer without one is refused at start."""
    peers = [party for party in (p.strip() for p in settings.dublinet_peers.split(",")) if party]
    if "{party}" in settings.dublinet_url:
        return {party: settings.dublinet_url.format(party=party) for party in peers}
    pairs = (item.partition("=") for item in settings.dublinet_url.split(","))
    listed = {name.strip(): url.strip() for name, _, url in pairs}
    if missing := [party for party in peers if not listed.get(party)]:
        raise ConfigError(
            "GW-CFG-INVALID",
            f"dublinet_url names no URL for {', '.join(missing)} (a template with {{party}} "
            "or a list PARTY=URL,...)",
            "EUGW_DUBLINET_URL",
        )
    return {party: listed[party] for party in peers}


def sources(settings: Settings) -> dict[str, Reader]:
    """The readers of source exports, when the mapping specifications are where settings say."""
    if not settings.mappings_dir.is_dir():
        get_logger().warning("no mappings directory: source exports are refused")
        return {}
    return source_readers(settings.mappings_dir, member_state=settings.member_state)


def xml_limits(settings: Settings) -> XmlLimits:
    return XmlLimits(max_bytes=settings.max_xml_bytes, max_depth=settings.max_xml_depth)


def cpu_tools(settings: Settings, trust: TrustStore | None = None) -> CpuTools:
    """What the CPU work needs, made from the settings (in each worker process too)."""
    default_pack()  # compiled now, not by the first messages
    return CpuTools(
        wire=Wire(member_state=settings.member_state, signer=signer_from(settings)),
        verifier=Verifier(trust or trust_store_from(settings)),
        limits=xml_limits(settings),
        sources=sources(settings),
    )


async def cpu_work(settings: Settings, tools: CpuTools, executor: ThreadPoolExecutor) -> CpuWork:
    """Worker processes when `crypto_processes` asks for them, else the crypto threads."""
    if not settings.crypto_processes:
        return ThreadWork(tools, executor)
    work = ProcessWork(cpu_tools, settings, processes=settings.crypto_processes)
    await work.start()
    return work


def dispatcher_policy(settings: Settings) -> DispatcherPolicy:
    return DispatcherPolicy(
        retry=RetryPolicy(
            base=timedelta(seconds=settings.retry_base_seconds),
            cap=timedelta(seconds=settings.retry_cap_seconds),
            max_attempts=settings.retry_max_attempts,
            max_age=timedelta(hours=settings.retry_max_age_hours),
        ),
        lease=timedelta(seconds=settings.lease_seconds),
    )


def webhook_dispatcher(
    settings: Settings, outbox: Outbox, transport: WebhookTransport
) -> Dispatcher | None:
    """Delivers results to the submitters' webhooks, one worker each; None without any."""
    if not transport.targets:
        return None
    peers = [f"{WEBHOOK_PEER}{name}" for name in transport.targets]
    return Dispatcher(
        outbox=outbox, transport=transport, peers=peers, policy=dispatcher_policy(settings)
    )


def checkpoint_file(settings: Settings) -> CheckpointFile:
    """This process's file of audit checkpoints (`audit_checkpoint_file`, under `data_dir`)."""
    return CheckpointFile(settings.data_dir / settings.audit_checkpoint_file)


async def checkpointer(
    settings: Settings,
    store: MessageStore,
    clock: Clock,
    *,
    trust: TrustStore | None = None,
    signer: Signer | None = None,
) -> Checkpointer:
    """The writer of audit checkpoints to this process's file. When `trust` is given, the
    file's last checkpoint, if its signature holds, says when the next one is due."""
    file = checkpoint_file(settings)
    last = await asyncio.to_thread(_last_checkpoint, settings, file, trust) if trust else None
    return Checkpointer(
        store=store,
        sink=file,
        signer=signer or signer_from(settings),
        gateway=gateway_of(settings.member_state),
        clock=clock,
        policy=CheckpointPolicy(
            every_entries=settings.audit_checkpoint_entries,
            every_seconds=settings.audit_checkpoint_seconds,
        ),
        last=last,
    )


def _last_checkpoint(
    settings: Settings, file: CheckpointFile, trust: TrustStore
) -> Checkpoint | None:
    line = file.last_line()
    if line is None:
        return None
    try:
        return read_line(
            line,
            verifier=Verifier(trust),
            gateway=gateway_of(settings.member_state),
            limits=xml_limits(settings),
        )
    except GatewayError as error:  # `eugw audit verify` says which line; write a fresh one
        get_logger().error(
            "the last audit checkpoint is refused", code=error.code, file=str(file.path)
        )
        return None


@asynccontextmanager
async def audit_checkpoints(services: Services) -> AsyncIterator[Checkpointer]:
    """Audit checkpoints while the gateway serves (`eugw serve`, `eugw demo`): when the
    settings' policy says so, and one on the way out, once the server has stopped. Every
    process serving one PostgreSQL database checkpoints the one shared trail into the
    file of its own data directory."""
    settings = services.settings
    writer = await checkpointer(settings, services.store, services.clock, trust=services.trust)
    stop = asyncio.Event()
    task = asyncio.create_task(writer.run(stop), name="audit-checkpoints")
    try:
        yield writer
    finally:
        stop.set()
        try:
            await task
        except Exception as error:  # noqa: BLE001 - the shutdown checkpoint matters more
            get_logger().exception("audit checkpoints stopped", error_type=type(error).__name__)
        try:
            await writer.close()
        except GatewayError as error:
            get_logger().error(
                "the audit checkpoint on shutdown failed", code=error.code, reason=error.message
            )


@asynccontextmanager
async def running_services(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[Services]:
    """Open the store and wire every service; close them all on the way out."""
    clock = clock or SystemClock()
    trust = trust_store_from(settings)
    tools = cpu_tools(settings, trust)
    wire = tools.wire
    routes = peer_routes(settings)
    store = await open_store(settings)
    executor = ThreadPoolExecutor(settings.crypto_threads, thread_name_prefix="crypto")
    cpu = await cpu_work(settings, tools, executor)
    transport = HttpTransport(routes)
    metrics = Metrics()
    batches: Batches | None = None
    tracking_store = await open_tracking(settings)
    webhook_targets = parse_webhooks(settings.webhooks)
    webhook_transport = WebhookTransport(webhook_targets)
    try:
        outbox = Outbox(store, body_cipher(settings), clock)
        tracking = compose_tracking(
            store=tracking_store,
            outbox=outbox,
            wire=wire,
            clock=clock,
            executor=executor,
            dublin_unit=settings.dublin_unit,
            alert_days=settings.deadline_alert_days,
        )
        metrics.watch_deadlines(
            partial(deadline_counts, tracking, within=settings.deadline_alert_days)
        )
        inbound = Inbound(
            outbox=outbox,
            wire=wire,
            verifier=tools.need_verifier(),
            clock=clock,
            executor=executor,
            limits=tools.limits,
            on_message=tracking.arrivals.on_message,
            cpu=cpu,
            cases=tracking_store,
        )
        readers = dict(tools.sources)
        submissions = Submissions(
            outbox=outbox, wire=wire, clock=clock, executor=executor, sources=readers, cpu=cpu
        )
        batches = Batches(
            outbox=outbox,
            submissions=submissions,
            sources=record_sources(readers),
            clock=clock,
            executor=executor,
            spool_dir=settings.data_dir / "batches",
            max_bytes=settings.max_batch_bytes,
        )
        yield Services(
            settings=settings,
            clock=clock,
            store=store,
            outbox=outbox,
            submissions=submissions,
            inbound=inbound,
            dispatcher=Dispatcher(
                outbox=outbox,
                transport=transport,
                peers=list(routes),
                policy=dispatcher_policy(settings),
                check_ack=inbound.check_acknowledgement,
                observer=metrics,
            ),
            trust=trust,
            tracking=tracking,
            webhooks=webhook_dispatcher(settings, outbox, webhook_transport),
            batches=batches,
            metrics=metrics,
        )
    finally:
        if batches is not None:
            await batches.close()
        await webhook_transport.close()
        await tracking_store.close()
        await transport.close()
        await store.close()
        executor.shutdown(wait=True)
        if isinstance(cpu, ProcessWork):
            cpu.close()
