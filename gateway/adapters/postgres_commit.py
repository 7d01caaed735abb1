"""Group commit for PostgreSQL, on a thread of its own with a connection of its own.

The message store's changes wait in line (`db_thread.DatabaseThread`); the units waiting
when the thread comes round run in one transaction with one COMMIT, as SQLite's do. On
its thread a unit's statements follow one another without waiting for the event loop,
and the statements nobody reads the result of are sent together before the next one
that reads (`ThreadSession`): a group costs a few round trips, not a few per message.

In each group, in the lock order of `postgres_db`: the message rows its units name are
locked first, in one order (`SELECT ... ORDER BY message_id FOR UPDATE`) and handed to
them as they are (`Transaction.locked`), and in the same round trip the inserts the units
begin with are sent (`Unit.ahead`: an insert that only asks whether its key was new,
whose answer no other write changes; a unit finds it answered); then the units run, one
after the other; then their audit entries are chained, under the chain's lock, and the
group commits. The chain's head is the one this committer committed last (`KnownHead`),
not read again: the entries go with the COMMIT, in one round trip; should another writer
have appended meanwhile, the first entry's seq is taken, the insert fails on that key,
and the group is run again reading the head.

A unit that raises before it writes fails alone (the rules of `store_rules` only raise
before they write); one that raises after it wrote (`Spoiled`) is taken out and the
group run again without it. One that raised or went another way than its statements
sent ahead (a repeated submission does not insert its messages) makes the group run
again with nothing sent ahead for it: the same outcome as if it never had been. A
deadlock or serialization failure runs the group again; a connection found dead before
the COMMIT is replaced and the group run again; any other failure of the database fails
the group, every caller told with one of our codes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.rows import dict_row

from gateway.adapters.db_thread import DatabaseThread, Outcome, Unit
from gateway.adapters.sql_common import message_from_row
from gateway.adapters.sql_statements import POSTGRES, Bulk, Statements
from gateway.adapters.sql_tables import Ahead, AuditHead, Row, chain_audit, run_to_end
from gateway.broker.audit import AuditRecord
from gateway.broker.records import StoredMessage
from gateway.errors import TransportError
from gateway.logging import get_logger

__all__ = [
    "CONFLICTS",
    "RETRIES",
    "GroupCommitter",
    "Spoiled",
    "ThreadSession",
    "Transaction",
    "conflict_error",
    "retry_pause",
    "unavailable",
]

T = TypeVar("T")
SyncConnection = psycopg.Connection[dict[str, Any]]
Work = Callable[["Transaction"], Any]

MAX_GROUP = 64  # units of work in one group commit: bounds the wait of the first
# Groups in flight at once, each on a thread and a connection of its own (their row locks
# are taken in one order and the audit chain's last: they never wait in a circle). One:
# on two shared cores, fewer and larger groups cost less CPU than overlapping round trips
# win back (measured: 81-107 % of SQLite's throughput with one, 69-71 % with two).
COMMITTERS = 1
READERS = 2  # threads reading (outside transactions), each with a connection of its own
RETRIES = 5  # a transaction PostgreSQL aborted (deadlock, serialization) is run again
_RETRY_PAUSE = 0.02  # seconds, doubled each time, times a random factor
_CONNECT_TIMEOUT = 10  # seconds
_SQL = Statements(POSTGRES)

CONFLICTS: dict[type[psycopg.Error], tuple[str, str]] = {
    errors.DeadlockDetected: ("GW-STORE-DEADLOCK", "a deadlock"),
    errors.SerializationFailure: ("GW-STORE-SERIALIZATION", "a serialization failure"),
}


def conflict_error(error: psycopg.Error) -> TransportError:
    code, what = CONFLICTS[type(error)]
    return TransportError(
        code,
        f"PostgreSQL aborted the transaction {RETRIES + 1} times to resolve {what}: "
        f"{error.diag.message_primary or error}",
    )


def unavailable(error: BaseException) -> TransportError:
    # The server went away or is restarting: the caller may try again later; the
    # transaction was rolled back, so nothing half-done remains.
    return TransportError("GW-STORE-UNAVAILABLE", f"PostgreSQL is not reachable: {error}".strip())


def retry_pause(attempt: int) -> float:
    return float(_RETRY_PAUSE * 2**attempt * (0.5 + random.random()))  # noqa: S311 - not for security


def _log_retry(error: psycopg.Error, attempt: int) -> None:
    code, what = CONFLICTS[type(error)]
    get_logger().warning(
        "a PostgreSQL transaction was aborted; it is run again",
        code=code,
        reason=what,
        attempt=attempt + 1,
    )


class Spoiled(Exception):  # noqa: N818 - it carries the error, it is not one
    """What a unit raises when it failed after it wrote: the group must be undone."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(repr(error))
        self.error = error


class _SpoiledAt(Exception):  # noqa: N818
    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(index)
        self.index = index
        self.error = error


class _AheadMissed(Exception):  # noqa: N818 - not an error: run the group again
    """A unit did not run (all of) what was sent ahead for it: the group is undone and
    run again with that unit's statements sent in their turn, as if never sent ahead."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class _StaleHead(Exception):  # noqa: N818 - not an error: run the group again
    """Another writer appended to the audit chain since this committer did."""


class KnownHead:
    """The audit chain's head as this committer last committed it.

    Trusted while no other writer appends (one gateway: every group); once another is
    seen (a second gateway, an `eugw` command), the groups of the next
    `READ_AFTER_OTHERS` seconds read the head under the chain's lock, as they would
    without it, before it is tried again. It is set only after a COMMIT went through, so
    it is never ahead of the table; if it is behind, the key of the first entry says so
    (`chain_audit`), and PostgreSQL's own log shows that as a "duplicate key value
    violates unique constraint audit_pkey": with several gateways, one a minute each."""

    READ_AFTER_OTHERS = 60.0  # seconds

    def __init__(self) -> None:
        self._head: AuditHead | None = None
        self._reading_until = 0.0  # time.monotonic()

    def get(self) -> AuditHead | None:
        return None if time.monotonic() < self._reading_until else self._head

    def committed(self, head: AuditHead | None) -> None:
        self._head = head

    def other_writer(self) -> None:
        self._head = None
        self._reading_until = time.monotonic() + self.READ_AFTER_OTHERS


class _Reconnect(Exception):  # noqa: N818 - not an error: the connection was dead, try anew
    """The connection was found broken before anything was committed on it."""


class ThreadSession:
    """`sql_tables.Session` on the thread's connection: each call runs at once (its
    coroutine never waits: `run_to_end`).

    Statements whose result nobody needs (updates, inserts without RETURNING, NOTIFY, the
    BEGIN) are kept, and sent in one pipeline with the next statement that reads, or with
    the COMMIT: one round trip. A read sees every earlier write, except the inserts that
    only ask whether their key was new (`independent`): no kept write can change their
    answer, so they do not wait for them. Writes of one statement go as one `executemany`,
    statements in the order they first came; no statement of the store minds that order
    (the rows others name are inserted, with their RETURNING, first)."""

    def __init__(self, conn: SyncConnection, sql: Statements) -> None:
        self._conn = conn
        self._independent = frozenset(
            {sql.insert_message, sql.insert_submission, sql.insert_inbound, sql.insert_batch}
        )  # inserts that only ask whether their key was new: no kept write changes that
        self._bulk = sql.bulk
        self._writes: dict[str, list[Mapping[str, Any]]] = {}
        # Statements sent ahead, by the unit they are for: (unit, parameters, answer).
        self._answered: dict[str, list[tuple[int, Row, list[Row]]]] = {}
        self.unit = 0  # the unit running now

    def ask(self, reads: Sequence[Ahead]) -> list[list[Row]]:
        """Send what is kept and `reads` in one round trip: the rows of each read.

        Several reads of one insert that has a bulk form (the inserts sent ahead) go as
        one statement, whose rows `Bulk.answers` hands back to each as its own."""
        sends: dict[str, list[int]] = {}  # a statement, in the order first read
        for index, (sql, _) in enumerate(reads):
            sends.setdefault(sql, []).append(index)
        answers: list[list[Row]] = [[] for _ in reads]
        pending: list[tuple[psycopg.Cursor[dict[str, Any]], list[int], Bulk | None]] = []
        with self._pipeline(None) as first:
            for sql, indexes in sends.items():
                bulk = self._bulk.get(sql)
                if bulk is not None and bulk.returning is not None and len(indexes) > 1:
                    cursor = first if not pending else self._conn.cursor()
                    cursor.execute(bulk.sql, bulk.parameters([reads[i][1] for i in indexes]))
                    pending.append((cursor, indexes, bulk))
                    continue
                for index in indexes:
                    cursor = first if not pending else self._conn.cursor()
                    cursor.execute(sql, reads[index][1])
                    pending.append((cursor, [index], None))
        for cursor, indexes, bulk in pending:
            rows: list[Row] = list(cursor.fetchall())
            if bulk is None:
                answers[indexes[0]] = rows
                continue
            parts = bulk.answers([reads[i][1] or {} for i in indexes], rows)
            for index, part in zip(indexes, parts, strict=True):
                answers[index] = part
        return answers

    def answered_ahead(self, unit: int, statements: Sequence[Ahead], answers: list[Any]) -> None:
        """Keep the answers of statements sent ahead for `unit`, which will run them."""
        for (sql, params), rows in zip(statements, answers, strict=True):
            self._answered.setdefault(sql, []).append((unit, params, rows))

    def unasked(self, unit: int) -> bool:
        """Whether `unit` left a statement sent ahead for it unrun (it took another way)."""
        return any(owner == unit for kept in self._answered.values() for owner, _, _ in kept)

    def _answer(self, sql: str, params: Mapping[str, Any] | None) -> list[Row] | None:
        for index, (owner, asked, rows) in enumerate(self._answered.get(sql, ())):
            if owner == self.unit and asked == params:
                del self._answered[sql][index]
                return rows
        return None

    async def rows(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[Mapping[str, Any]]:
        answered = self._answer(sql, params) if self._answered else None
        if answered is not None:  # sent ahead, with the group's locks
            return answered
        if not self._writes:  # nothing kept: no pipeline needed
            return list(self._conn.execute(sql, params).fetchall())
        with self._pipeline(sql) as cursor:
            cursor.execute(sql, params)
        return list(cursor.fetchall())

    async def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        kept = self._writes.setdefault(sql, [])  # without parameters: sent once
        if params is not None:
            kept.append(params)

    async def run_many(self, sql: str, params: Sequence[Mapping[str, Any]]) -> None:
        self._writes.setdefault(sql, []).extend(params)

    async def rows_many(
        self, sql: str, params: Sequence[Mapping[str, Any]]
    ) -> list[list[Mapping[str, Any]]]:
        if self._answered and params:
            answers = [self._answer(sql, one) for one in params]
            if all(answer is not None for answer in answers):  # all sent ahead
                return [answer or [] for answer in answers]
            params = [one for one, answer in zip(params, answers, strict=True) if answer is None]
            rest = iter(await self.rows_many(sql, params))
            return [next(rest) if answer is None else answer for answer in answers]
        if len(params) <= 1:
            return [await self.rows(sql, one) for one in params]
        with self._pipeline(sql) as cursor:
            cursor.executemany(sql, params, returning=True)
        found: list[list[Mapping[str, Any]]] = []
        while True:
            found.append(list(cursor.fetchall()))
            if not cursor.nextset():
                break
        return found

    def commit(self) -> None:
        """Send what is kept and COMMIT, in one round trip."""
        self._writes.setdefault("COMMIT", [])
        with self._pipeline(None):
            pass

    @contextmanager
    def _pipeline(self, reading: str | None) -> Iterator[psycopg.Cursor[dict[str, Any]]]:
        """A pipeline whose statements are sent, and their results read, on leaving it:
        the writes kept first (unless `reading` needs none of them), then the caller's."""
        writer, cursor = self._conn.cursor(), self._conn.cursor()
        with self._conn.pipeline():
            if reading not in self._independent:
                writes, self._writes = self._writes, {}
                for statement, many in writes.items():
                    bulk = self._bulk.get(statement)
                    if bulk is not None and len(many) > 1:
                        writer.execute(bulk.sql, bulk.parameters(many))
                    elif len(many) > 1:
                        writer.executemany(statement, many)
                    else:
                        writer.execute(statement, many[0] if many else None)
            yield cursor


@dataclass
class Transaction:
    """What a unit of a group gets: the session, the rows the group holds locked (as they
    are now; None: no such message), and where its audit records go (chained last)."""

    session: ThreadSession
    locked: dict[str, StoredMessage | None]
    records: list[AuditRecord] = field(default_factory=list)


class GroupCommitter:
    """The message store's changes, committed in groups on a thread of their own."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._executor = ThreadPoolExecutor(
            max_workers=COMMITTERS, thread_name_prefix="postgres-commit"
        )
        self._thread = DatabaseThread[Work](
            self._executor,
            self._run_group,
            name="PostgreSQL",
            max_group=MAX_GROUP,
            threads=COMMITTERS,
        )
        self._readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="postgres-read")
        self._reader = DatabaseThread[Callable[[ThreadSession], Any]](
            self._readers, self._read_group, name="PostgreSQL", max_group=8, threads=READERS
        )
        self._local = threading.local()  # each thread's connection
        self._connections: list[SyncConnection] = []
        self._head = KnownHead()  # on the committer's thread alone (COMMITTERS = 1)

    async def run(
        self, work: Work, *, locks: Sequence[str] = (), ahead: Sequence[Ahead] = ()
    ) -> Any:
        return await self._thread.run(
            work, locks=tuple(lock for lock in locks if lock), ahead=tuple(ahead)
        )

    async def read(self, query: Callable[[ThreadSession], Any]) -> Any:
        """Run `query` on a reading thread, outside any transaction."""
        return await self._reader.run(query)

    def _read_group(self, group: list[Unit[Callable[[ThreadSession], Any]]]) -> list[Outcome]:
        return [self._read_one(unit.work) for unit in group]

    def _read_one(self, query: Callable[[ThreadSession], Any]) -> Outcome:
        for again in (False, True):
            conn = self._connection()
            try:
                return True, query(ThreadSession(conn, _SQL))
            except psycopg.OperationalError as error:
                if conn.broken:
                    self._forget()
                    if not again:  # a restart broke it: reading again is harmless
                        continue
                return False, unavailable(error)
            except psycopg.Error as error:
                return False, TransportError("GW-STORE-FAILED", f"PostgreSQL refused: {error}")
            except Exception as error:  # noqa: BLE001 - the caller's to handle
                return False, error
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """On the thread: let go of the connection (after the units in line)."""

        self._executor.shutdown()  # after the groups under way
        self._readers.shutdown()
        for conn in self._connections:
            conn.close()

    def _run_group(self, group: list[Unit[Work]]) -> list[Outcome]:
        group = list(group)  # a unit may be run again with nothing sent ahead
        spoiled: dict[int, BaseException] = {}
        while True:
            running = [unit for index, unit in enumerate(group) if index not in spoiled]
            try:
                outcomes = iter(self._retried(running))
            except _SpoiledAt as at:  # undo the group, run it again without that unit
                spoiled[group.index(running[at.index])] = at.error
                continue
            except _AheadMissed as missed:  # undo it, run it again with nothing sent ahead
                position = group.index(running[missed.index])
                group[position] = replace(group[position], ahead=())
                continue
            except TransportError as error:
                return [(False, TransportError(error.code, error.message)) for _ in group]
            return [
                (False, spoiled[index]) if index in spoiled else next(outcomes)
                for index in range(len(group))
            ]

    def _retried(self, group: list[Unit[Work]]) -> list[Outcome]:
        reconnected = False
        for attempt in range(RETRIES + 1):
            try:
                return self._commit(group)
            except _Reconnect as dead:
                if reconnected:
                    raise unavailable(dead.__cause__ or dead) from None
                reconnected = True
            except _StaleHead:
                continue  # at once, reading the head this time
            except (errors.DeadlockDetected, errors.SerializationFailure) as error:
                if attempt == RETRIES:
                    raise conflict_error(error) from None
                _log_retry(error, attempt)
                time.sleep(retry_pause(attempt))
            except psycopg.OperationalError as error:
                raise unavailable(error) from None
            except psycopg.Error as error:
                raise TransportError(
                    "GW-STORE-FAILED",
                    f"PostgreSQL refused a change ({type(error).__name__}: {error}); nothing "
                    "of the transaction was kept".strip(),
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _commit(self, group: list[Unit[Work]]) -> list[Outcome]:
        """Run the group in one transaction: each unit's (succeeded, value)."""
        conn = self._connection()
        committing = False
        session = ThreadSession(conn, _SQL)
        known = self._head.get()
        try:
            run_to_end(session.run("BEGIN"))  # sent with the first read
            transaction = Transaction(session=session, locked=_lock(session, group))
            outcomes = [_run_unit(transaction, unit, index) for index, unit in enumerate(group)]
            head = run_to_end(chain_audit(session, _SQL, transaction.records, head=known))
            committing = True
            session.commit()
            self._head.committed(head)
        except errors.UniqueViolation as error:
            _roll_back(conn)
            if known is not None and error.diag.table_name == "audit":
                self._head.other_writer()
                raise _StaleHead from error
            raise
        except psycopg.OperationalError as error:
            _roll_back(conn)
            if conn.broken:
                self._forget()
                if not committing:  # dead before its COMMIT: nothing held
                    raise _Reconnect from error
            raise
        except BaseException:
            _roll_back(conn)
            raise
        return outcomes

    def _connection(self) -> SyncConnection:
        conn: SyncConnection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                row_factory=dict_row,
                prepare_threshold=2,
                connect_timeout=_CONNECT_TIMEOUT,
            )
            self._local.conn = conn
            self._connections = [kept for kept in self._connections if not kept.closed] + [conn]
        return conn

    def _forget(self) -> None:
        self._local.conn = None


def _lock(session: ThreadSession, group: list[Unit[Work]]) -> dict[str, StoredMessage | None]:
    """Lock the message rows the group's units name, in one order, and send the inserts
    they begin with, in one round trip: the rows as they are."""
    ids = sorted({lock for unit in group for lock in unit.locks})
    ahead: list[Ahead] = [statement for unit in group for statement in unit.ahead]
    if not ids and not ahead:
        return {}
    reads = [(_SQL.lock_messages, {"ids": ids})] if ids else []
    answers = session.ask([*reads, *ahead])
    start = len(reads)
    for index, unit in enumerate(group):
        session.answered_ahead(index, unit.ahead, answers[start : start + len(unit.ahead)])
        start += len(unit.ahead)
    locked: dict[str, StoredMessage | None] = dict.fromkeys(ids)
    for row in answers[0] if ids else ():
        locked[row["message_id"]] = message_from_row(row, POSTGRES.from_db)
    return locked


def _roll_back(conn: SyncConnection) -> None:
    """End the transaction a failure left open (if the connection still works)."""
    if conn.broken or conn.closed:
        return
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            conn.close()


def _run_unit(transaction: Transaction, unit: Unit[Work], index: int) -> Outcome:
    transaction.session.unit = index
    try:
        value = unit.work(transaction)
    except psycopg.Error:
        raise  # the database failed: the whole group is rolled back
    except Spoiled as spoiled:
        raise _SpoiledAt(index, spoiled.error) from None
    except Exception as error:  # noqa: BLE001 - its caller's, or the group's
        if unit.ahead:  # what was sent ahead for it may have written: run it without
            raise _AheadMissed(index) from None
        # The unit refused before it wrote (bad input, lost lease): its caller hears of it.
        return False, error
    if transaction.session.unasked(index):  # it went another way than was sent ahead
        raise _AheadMissed(index)
    return True, value
