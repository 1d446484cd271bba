"""Records left out of scoring: those under an open dispute or whose dispute was upheld.

The feature pipeline calls ``excluded_records`` (or ``excluded_records_for``) and drops
lake records whose ``(kind, source_id, record_id)`` is in the returned set before it
computes features, so a disputed record never counts against a person.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from credo.store.models import Dispute

RecordKey = tuple[str, str, str]  # (kind, source_id, record_id)
EXCLUDING = ("open", "upheld")


def excluded_records(engine: Engine, person_id: str | None = None) -> set[RecordKey]:
    stmt = select(Dispute.kind, Dispute.source_id, Dispute.record_id).where(
        Dispute.status.in_(EXCLUDING)
    )
    if person_id is not None:
        stmt = stmt.where(Dispute.person_id == person_id)
    with engine.connect() as c:
        return {(k, s, r) for k, s, r in c.execute(stmt)}


def excluded_records_for(database_url: str, person_id: str | None = None) -> set[RecordKey]:
    """Same, from a database URL (``Settings().database``); empty if no store exists yet."""
    from sqlalchemy import inspect

    from credo.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table(Dispute.__tablename__):
            return set()
        return excluded_records(engine, person_id)
    finally:
        engine.dispose()


def excluded_records_by_person(database_url: str, person_ids: list[str]
                               ) -> dict[str, frozenset[RecordKey]]:
    """The excluded records of each of these people (absent: none); empty if no store."""
    from sqlalchemy import inspect

    from credo.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        if not person_ids or not inspect(engine).has_table(Dispute.__tablename__):
            return {}
        found: dict[str, set[RecordKey]] = {}
        with engine.connect() as c:
            for start in range(0, len(person_ids), 500):  # bound the IN list
                stmt = select(Dispute.person_id, Dispute.kind, Dispute.source_id,
                              Dispute.record_id).where(
                    Dispute.status.in_(EXCLUDING),
                    Dispute.person_id.in_(person_ids[start:start + 500]))
                for person_id, k, s, r in c.execute(stmt):
                    found.setdefault(person_id, set()).add((k, s, r))
        return {p: frozenset(keys) for p, keys in found.items()}
    finally:
        engine.dispose()
