"""A partner read's single lookup says what the separate checks say, whatever the
person's file holds: the live authorization (``live``), the freeze and fraud alert, the
e-mail wish (``EMAIL_WANTED``, as the outbox statement applies it) and the score in
force (``current``), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from credo.service.authorizations.logic import live
from credo.service.errors import NotAuthenticatedError
from credo.service.keys import principal_of_digest, principal_of_row
from credo.service.people.logic import enroll
from credo.service.scores.logic import current, partner_view
from credo.store.models import Authorization, PersonControls, ScoreRecord, now

from .conftest import World

# (purpose, scope, expires in days, revoked): live, expired, revoked, another purpose;
# one row per partner and purpose, as the store keeps them
AUTHORIZATIONS = st.lists(st.tuples(
    st.sampled_from(["loan", "rental_deposit_waiver"]),
    st.sampled_from(["score", "threshold_only"]),
    st.sampled_from([-3, 1, 30]), st.booleans()), max_size=2, unique_by=lambda a: a[0])
CONTROLS = st.one_of(st.none(), st.tuples(
    st.booleans(), st.booleans(), st.sampled_from([None, "p@example.org"]), st.booleans()))
# each entry: a published score, or a rescore pending (no score)
HISTORY = st.lists(st.sampled_from(["published", "rescore_pending"]), max_size=3)


def build(session: Session, pepper: bytes, authorizations: list, controls: tuple | None,
          history: list[str], enrolled: bool) -> str:
    person = f"pv-{uuid.uuid4().hex[:12]}"
    if enrolled:
        enroll(session, pepper, person)
        session.flush()
    for purpose, scope, days, revoked in authorizations if enrolled else []:
        session.add(Authorization(
            id=str(uuid.uuid4()), person_id=person, partner_id="pt-a", purpose=purpose,
            scope=scope, expires_at=now() + timedelta(days=days),
            revoked_at=now() if revoked else None))
    if controls is not None and enrolled:
        frozen, alert, email, email_on = controls
        session.add(PersonControls(person_id=person, frozen_at=now() if frozen else None,
                                   fraud_alert_at=now() if alert else None, email=email,
                                   email_on=email_on))
    for k, status in enumerate(history):
        session.add(ScoreRecord(
            person_id=person, as_of=date(2026, 1, 1) + timedelta(days=k), status=status,
            score=None if status == "rescore_pending" else 600 + k, run_id=f"run-{k}",
            band=None if status == "rescore_pending" else "fair"))
    session.commit()
    return person


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(authorizations=AUTHORIZATIONS, controls=CONTROLS, history=HISTORY,
       enrolled=st.booleans(), purpose=st.sampled_from(["loan", "rental_deposit_waiver"]))
def test_the_single_lookup_agrees_with_the_separate_checks(
        world: World, authorizations: list, controls: tuple | None, history: list[str],
        enrolled: bool, purpose: str) -> None:
    with world.ctx.session() as s:
        person = build(s, world.ctx.pepper, authorizations, controls, history, enrolled)
        view = partner_view(s, person, "pt-a", purpose)
        assert view.authorization == live(s, person, "pt-a", purpose)
        row = s.get(PersonControls, person)
        assert (view.file.frozen_at, view.file.fraud_alert_at) == (
            (row.frozen_at, row.fraud_alert_at) if row else (None, None))
        assert view.email == bool(row and row.email_on and row.email is not None)
        entry = current(s, person)
        assert (view.entry.id if view.entry else None) == (entry.id if entry else None)
        # another partner never sees this person's authorizations
        assert partner_view(s, person, "pt-b", purpose).authorization is None


def test_the_lookup_with_the_key_is_the_key_check_and_the_lookup(world: World) -> None:
    """``partner_lookup`` (what a read runs) gives the key check's principal, or its 401,
    and the lookup for that partner: another partner's key sees its own authorizations,
    a revoked, unknown or other role's key is refused, a suspended partner is known as
    suspended."""
    from credo.service.keys import revoke_keys
    from credo.service.partners.logic import set_active
    from credo.service.scores.logic import partner_lookup
    from credo.service.security import hash_secret

    world.grant("P1", "pt-a", "loan")
    world.grant("P1", "pt-b", "rental_deposit_waiver", scope="threshold_only")
    digest = {name: hash_secret(world.keys[name], world.ctx.pepper)
              for name in ("partner-A", "partner-B", "source", "operator")}
    with world.ctx.session() as s:
        for name, purpose in (("partner-A", "loan"), ("partner-B", "rental_deposit_waiver"),
                              ("partner-A", "rental_deposit_waiver"), ("partner-B", "loan")):
            for person in ("P1", "P2", "nobody"):
                partner, view = partner_lookup(s, digest[name], person, purpose)
                assert partner == principal_of_digest(s, "partner", digest[name])
                assert view == partner_view(s, person, partner.id, purpose)
        assert partner_lookup(s, digest["partner-A"], "P1", "loan")[1].authorization
        for bad in (digest["source"], digest["operator"], "0" * 64):
            with pytest.raises(NotAuthenticatedError):
                partner_lookup(s, bad, "P1", "loan")
        set_active(s, "pt-b", False)
        revoke_keys(s, "partner", "pt-a")
        s.commit()
        with pytest.raises(NotAuthenticatedError):
            partner_lookup(s, digest["partner-A"], "P1", "loan")
        partner, view = partner_lookup(s, digest["partner-B"], "P1", "rental_deposit_waiver")
        assert not partner.active and view.authorization is not None


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(asks=st.lists(st.tuples(
    st.sampled_from(["partner-A", "partner-B", "source", "unknown"]),
    st.sampled_from(["P1", "P2", "nobody", "P1' OR '1'='1"]),
    st.sampled_from(["loan", "rental_deposit_waiver", "marketing"])), min_size=1, max_size=15))
def test_many_lookups_in_one_statement_are_each_lookup_alone(world: World, asks: list) -> None:
    """A group commit's batch reads its partner reads' rows with one statement
    (``partner_rows``): each row, in the order asked, says what the key's own lookup and
    ``partner_view`` say alone, whoever asks about whom (same asks twice, keys not valid,
    purposes refused, ids no one has)."""
    from credo.service.scores.logic import _view_of, partner_rows
    from credo.service.security import hash_secret

    world.grant("P1", "pt-a", "loan")  # a second time: the same one, extended
    world.grant("P1", "pt-b", "rental_deposit_waiver", scope="threshold_only")
    keys = {**world.keys, "unknown": "credo_pk_nobody"}
    lookups = [(hash_secret(keys[who], world.ctx.pepper), person, purpose)
               for who, person, purpose in asks]
    with world.ctx.session() as s:
        together = partner_rows(s.connection(), lookups)
        assert len(together) == len(lookups)
        for row, (digest, person, purpose) in zip(together, lookups, strict=True):
            try:
                alone = principal_of_digest(s, "partner", digest)
            except NotAuthenticatedError:
                with pytest.raises(NotAuthenticatedError):
                    principal_of_row("partner", digest, row)
                continue
            assert principal_of_row("partner", digest, row) == alone
            assert _view_of(row) == partner_view(s, person, alone.id, purpose)
