"""One open dispute per record, one live authorization per person, partner and purpose.

Both are partial unique indexes: over open disputes, and over authorizations not revoked.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 13:30:00

Stores that ran the earlier code may hold several open disputes about one record (filed
in parallel). Before the index is created the oldest stays open and each later one is
closed as a duplicate of it, with a note for the person and an audit row. Likewise
several live authorizations for one person, partner and purpose (granted in parallel, or
granted again): the one that runs longest stays and the others are revoked, each with an
audit row; the partner's access is unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from credo.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTOR = "migration-0003"
OPEN = sa.text("status = 'open'")
LIVE = sa.text("revoked_at IS NULL")

disputes = sa.table(
    "disputes", sa.column("id", sa.String), sa.column("person_id", sa.String),
    sa.column("kind", sa.String), sa.column("source_id", sa.String),
    sa.column("record_id", sa.String), sa.column("status", sa.String),
    sa.column("filed_at", UTCDateTime()), sa.column("due_at", UTCDateTime()),
    sa.column("resolved_at", UTCDateTime()), sa.column("resolved_by", sa.String),
    sa.column("resolution_note", sa.Text),
)
audit_log = sa.table(
    "audit_log", sa.column("at", UTCDateTime()), sa.column("actor_role", sa.String),
    sa.column("actor_id", sa.String), sa.column("action", sa.String),
    sa.column("person_id", sa.String), sa.column("outcome", sa.String),
    sa.column("partner_id", sa.String), sa.column("purpose", sa.String),
    sa.column("detail", sa.JSON),
)
authorizations = sa.table(
    "authorizations", sa.column("id", sa.String), sa.column("person_id", sa.String),
    sa.column("partner_id", sa.String), sa.column("purpose", sa.String),
    sa.column("granted_at", UTCDateTime()), sa.column("expires_at", UTCDateTime()),
    sa.column("revoked_at", UTCDateTime()),
)


def _close_duplicate_open_disputes(bind: sa.Connection) -> None:
    rows = bind.execute(sa.select(disputes).where(disputes.c.status == "open")
                        .order_by(disputes.c.filed_at, disputes.c.id)).all()
    by_record = defaultdict(list)
    for r in rows:
        by_record[(r.person_id, r.kind, r.source_id, r.record_id)].append(r)
    at = datetime.now(UTC)
    for kept, *later in by_record.values():
        for dup in later:
            bind.execute(sa.update(disputes).where(disputes.c.id == dup.id).values(
                status="rejected", resolved_at=at, resolved_by=ACTOR,
                resolution_note=(f"Closed as a duplicate: dispute {kept.id} about the same "
                                 "record is still open and is answered by "
                                 f"{kept.due_at.date().isoformat()}.")))
            bind.execute(sa.insert(audit_log).values(
                at=at, actor_role="operator", actor_id=ACTOR,
                action="dispute.close_duplicate", person_id=dup.person_id, outcome="ok",
                detail={"dispute_id": dup.id, "duplicate_of": kept.id}))


def _revoke_duplicate_live_authorizations(bind: sa.Connection) -> None:
    rows = bind.execute(sa.select(authorizations).where(authorizations.c.revoked_at.is_(None))
                        .order_by(authorizations.c.expires_at.desc(),
                                  authorizations.c.granted_at.desc(),
                                  authorizations.c.id)).all()
    by_scope = defaultdict(list)
    for r in rows:
        by_scope[(r.person_id, r.partner_id, r.purpose)].append(r)
    at = datetime.now(UTC)
    for kept, *others in by_scope.values():
        for dup in others:
            bind.execute(sa.update(authorizations).where(authorizations.c.id == dup.id)
                         .values(revoked_at=at))
            bind.execute(sa.insert(audit_log).values(
                at=at, actor_role="operator", actor_id=ACTOR,
                action="authorization.close_duplicate", person_id=dup.person_id,
                partner_id=dup.partner_id, purpose=dup.purpose, outcome="ok",
                detail={"authorization_id": dup.id, "duplicate_of": kept.id}))


def upgrade() -> None:
    _close_duplicate_open_disputes(op.get_bind())
    _revoke_duplicate_live_authorizations(op.get_bind())
    op.create_index("uq_authorizations_live", "authorizations",
                    ["person_id", "partner_id", "purpose"], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index("uq_disputes_open_record", "disputes",
                    ["person_id", "kind", "source_id", "record_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("uq_authorizations_live", table_name="authorizations")
    op.drop_index("uq_disputes_open_record", table_name="disputes")
