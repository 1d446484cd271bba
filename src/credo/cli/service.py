"""Service commands: serve, db, partner, source, operator, person, publish, dispute.

A thin shell over ``credo.service`` logic; every operator action here is audited under
the actor ``cli:<os user>``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from credo.cli.identity import actor
from credo.cli.output import print_json
from credo.cli.root import app
from credo.config import Settings
from credo.errors import ConfigError, InputError
from credo.service.context import ServiceContext

out = Console(soft_wrap=True)
db_app = typer.Typer(help="The operational database.", no_args_is_help=True)
partner_app = typer.Typer(help="Partners (lenders, rental services) and their API keys.",
                          no_args_is_help=True)
source_app = typer.Typer(help="Sources that push records, and their API keys.",
                         no_args_is_help=True)
operator_app = typer.Typer(help="Operator API keys.", no_args_is_help=True)
person_app = typer.Typer(help="People's accounts.", no_args_is_help=True)
dispute_app = typer.Typer(help="Disputes: list, uphold, reject.", no_args_is_help=True)
for sub, name in ((db_app, "db"), (partner_app, "partner"), (source_app, "source"),
                  (operator_app, "operator"), (person_app, "person"),
                  (dispute_app, "dispute")):
    app.add_typer(sub, name=name)


def _ctx() -> ServiceContext:
    return ServiceContext.build(Settings.from_env())


def _show_key(key: str) -> None:
    out.print(f"API key (shown once, store it now): [bold]{key}[/bold]", highlight=False)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port."),
    workers: int = typer.Option(1, min=1, max=64,
                                help="Server processes, each listening on its own socket (rate "
                                     "limits are per process)."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
    inbox: bool = typer.Option(True, "--inbox/--no-inbox",
                               help="Also start the inbox worker (pushed records into the "
                                    "lake, then rescored); --no-inbox when `credo worker` "
                                    "runs elsewhere."),
) -> None:
    """Start the HTTP API (migrates the database first) and the inbox worker."""
    import os
    import subprocess
    import sys

    import uvicorn
    from uvicorn.config import LOG_LEVELS

    from credo.service.workers import APP, SOCKET_EACH, Supervisor

    if log_level.lower() not in LOG_LEVELS:
        raise ConfigError(f"--log-level {log_level!r}: choose one of {', '.join(LOG_LEVELS)}")

    ServiceContext.build(Settings.from_env()).close()  # migrate once, before workers start
    # Its own process: the lake's writes never share the interpreter answering partners.
    # It stops when this process is gone, however it ends: uvicorn ends a SIGTERM by
    # raising the signal again, which skips the clean-up below.
    worker = (subprocess.Popen([sys.executable, "-m", "credo", "worker", "--parent",
                                str(os.getpid())]) if inbox else None)
    try:
        if workers > 1 and SOCKET_EACH:  # so that kept-alive connections spread over all
            Supervisor(host, port, workers, log_level).run()
        else:
            uvicorn.run(APP, host=host, port=port, workers=workers, log_level=log_level,
                        access_log=False)
    finally:
        if worker is not None:  # it finishes the batch at hand, then stops
            worker.terminate()
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()  # its claim is taken over later: nothing is lost


@app.command("worker")
def worker(
    poll: float = typer.Option(1.0, min=0.05, max=60.0,
                               help="Seconds between looks at the inbox when it is empty."),
    nice: int = typer.Option(10, min=0, max=19,
                             help="Scheduling niceness: batch work yields the cores to the "
                                  "API's answers (0: same priority)."),
    parent: int | None = typer.Option(None, "--parent", min=1, hidden=True,
                                      help="Stop when this process is no longer the "
                                           "worker's parent (credo serve passes its own)."),
) -> None:
    """Run the inbox worker: pushed records into the lake, their people rescored."""
    import os
    import signal

    from credo.threads import lower_priority

    lower_priority(nice)

    from credo.service.sources import inbox

    stop = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ctx = _ctx()
    try:
        inbox.run(ctx, poll_seconds=poll, should_stop=lambda: stop or (
            parent is not None and os.getppid() != parent))
    finally:
        ctx.close()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema (idempotent)."""
    from credo.store import make_engine, upgrade

    settings = Settings.from_env()
    engine = make_engine(settings.database)
    rev = upgrade(engine)
    engine.dispose()
    out.print(f"database at revision {rev}: {engine.url.render_as_string(hide_password=True)}",
              highlight=False)


@partner_app.command("register")
def partner_register(
    name: str = typer.Option(..., "--name", help="The partner's name."),
    purpose: list[str] = typer.Option(..., "--purpose", help="A declared purpose (repeat)."),
    partner_id: str | None = typer.Option(None, "--id", help="Partner id (default: generated)."),
) -> None:
    """Register a partner for purposes from the closed list; prints its API key once."""
    from credo.service.partners import logic

    ctx = _ctx()
    with ctx.session() as s:
        partner, key = logic.register_partner(s, ctx.pepper, name=name, purposes=purpose,
                                              partner_id=partner_id, actor=actor())
    out.print(f"partner {partner.id} ({partner.name}) for {', '.join(partner.purposes)}",
              highlight=False)
    _show_key(key)


@partner_app.command("list")
def partner_list() -> None:
    """List partners and their declared purposes."""
    from credo.service.partners import logic

    ctx = _ctx()
    table = Table("id", "name", "purposes", "active", "registered")
    with ctx.session() as s:
        for p in logic.list_partners(s):
            table.add_row(p.id, p.name, ", ".join(p.purposes), str(p.active),
                          p.created_at.date().isoformat())
    out.print(table)


@partner_app.command("new-key")
def partner_new_key(partner_id: str = typer.Argument(..., help="Partner id.")) -> None:
    """Issue an additional key (to rotate: issue, switch, then revoke the old one)."""
    from credo.service.partners import logic

    ctx = _ctx()
    with ctx.session() as s:
        _show_key(logic.new_key(s, ctx.pepper, partner_id, actor=actor()))


@partner_app.command("revoke-key")
def partner_revoke_key(
    partner_id: str = typer.Argument(..., help="Partner id."),
    prefix: str | None = typer.Option(None, help="Only the key starting so (default: all)."),
) -> None:
    """Revoke a partner's keys at once."""
    from credo.service.partners import logic

    ctx = _ctx()
    with ctx.session() as s:
        n = logic.revoke_key(s, partner_id, prefix, actor=actor())
    out.print(f"revoked {n:,} key(s) of {partner_id}", highlight=False)


@source_app.command("register")
def source_register(
    source_id: str = typer.Argument(..., help="Source id (as in its records' source_id)."),
    name: str = typer.Option("", "--name", help="Display name."),
) -> None:
    """Register a source that pushes records over HTTP; prints its API key once."""
    from credo.service.sources import logic

    ctx = _ctx()
    with ctx.session() as s:
        key = logic.register_source(s, ctx.pepper, source_id, name or source_id, actor=actor())
    out.print(f"source {source_id}", highlight=False)
    _show_key(key)


@source_app.command("revoke-key")
def source_revoke_key(source_id: str = typer.Argument(..., help="Source id.")) -> None:
    """Revoke every key of a source."""
    from credo.service.sources import logic

    ctx = _ctx()
    with ctx.session() as s:
        n = logic.revoke_key(s, source_id, actor=actor())
    out.print(f"revoked {n:,} key(s) of {source_id}", highlight=False)


@operator_app.command("new-key")
def operator_new_key(name: str = typer.Argument(..., help="The operator's name.")) -> None:
    """Issue an operator API key (dispute resolution and audit over HTTP)."""
    from credo.service.ids import check_id
    from credo.service.keys import issue_key
    from credo.store import audit

    check_id(name, "operator name")
    ctx = _ctx()
    with ctx.session() as s:
        key = issue_key(s, "operator", name, ctx.pepper)
        audit.record(s, actor_role="operator", actor_id=actor(), action="operator.new_key",
                     operator=name)
        s.commit()
    _show_key(key)


@operator_app.command("list")
def operator_list() -> None:
    """List operator keys (live and revoked) by operator."""
    from credo.service.operators.logic import list_operator_keys

    ctx = _ctx()
    table = Table("key id", "operator", "prefix", "created", "revoked")
    with ctx.session() as s:
        for k in list_operator_keys(s):
            table.add_row(str(k.id), k.owner_id, k.prefix, k.created_at.date().isoformat(),
                          k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "")
    out.print(table)


@operator_app.command("revoke-key")
def operator_revoke_key(name_or_id: str = typer.Argument(
        ..., help="The operator's name (every live key) or one key id.")) -> None:
    """Revoke an operator's keys at once; their console sessions end with them."""
    from credo.service.operators.logic import revoke_operator

    ctx = _ctx()
    with ctx.session() as s:
        name, n = revoke_operator(s, name_or_id, actor=actor())
    out.print(f"revoked {n:,} key(s) of operator {name}", highlight=False)


def _set_active(partner_id: str, active: bool) -> None:
    from credo.service.partners import logic

    ctx = _ctx()
    with ctx.session() as s:
        logic.set_active(s, partner_id, active, actor=actor())
    out.print(f"partner {partner_id} {'reactivated' if active else 'suspended'}",
              highlight=False)


@partner_app.command("suspend")
def partner_suspend(partner_id: str = typer.Argument(..., help="Partner id.")) -> None:
    """Suspend a partner at once: every score read or check it makes is refused."""
    _set_active(partner_id, False)


@partner_app.command("reactivate")
def partner_reactivate(partner_id: str = typer.Argument(..., help="Partner id.")) -> None:
    """Lift a partner's suspension."""
    _set_active(partner_id, True)


@person_app.command("enroll")
def person_enroll(person_id: str = typer.Argument(..., help="The person's id.")) -> None:
    """Open (or reset) a person's account after checking who they are; prints a one-time
    activation code to hand to them."""
    from credo.service.people import logic

    ctx = _ctx()
    with ctx.session() as s:
        code = logic.enroll(s, ctx.pepper, person_id, actor=actor())
    out.print(f"activation code for {person_id} (valid {logic.ACTIVATION_DAYS} days, once): "
              f"[bold]{code}[/bold]", highlight=False)


@app.command("publish")
def publish(snapshot: Path = typer.Argument(..., help="A score snapshot (Parquet).")) -> None:
    """Publish a monthly run's scores into the store (idempotent on run_id)."""
    from credo.store.publish import publish_snapshot

    ctx = _ctx()
    with ctx.session() as s:
        r = publish_snapshot(s, snapshot, actor=actor())
    verb = "published" if r.published else "already published (nothing to do)"
    out.print(f"run {r.run_id} as of {r.as_of}: {r.rows:,} scores {verb}", highlight=False)


@dispute_app.command("list")
def dispute_list(
    status: str = typer.Option("open", help="open, upheld, rejected, or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the disputes as a JSON list (schema in docs/cli-json.md)."),
) -> None:
    """Disputes by deadline, soonest first."""
    from credo.service.disputes import logic
    from credo.service.disputes.router import out as dispute_out

    if status not in (*logic.STATUSES, "all"):
        raise InputError(f"--status {status!r}: choose one of {', '.join(logic.STATUSES)} or all")
    ctx = _ctx()
    with ctx.session() as s:
        disputes = [dispute_out(d) for d in logic.list_all_audited(
            s, None if status == "all" else status, actor=actor(), where="cli")]
    if as_json:
        print_json(disputes)
        return
    if not disputes:
        which = "" if status == "all" else f"{status} "
        out.print(f"no {which}disputes", highlight=False)
        return
    table = Table("id", "person", "record", "status", "due", "reason")
    for d in disputes:
        table.add_row(d.id, d.person_id, f"{d.kind}/{d.source_id}/{d.record_id}", d.status,
                      d.due_at.date().isoformat(), d.reason[:60])
    out.print(table)


def _resolve(dispute_id: str, outcome: str, note: str) -> None:
    from credo.service.disputes import logic

    ctx = _ctx()
    with ctx.session() as s:
        d, entry = logic.resolve(s, dispute_id, outcome, note=note, actor=actor(),
                                 rescorer=ctx.rescorer)
    score = f"new score {entry.score}" if entry.score is not None else "rescore pending"
    out.print(f"dispute {d.id} {d.status}; {score}", highlight=False)


@dispute_app.command("uphold")
def dispute_uphold(dispute_id: str = typer.Argument(...),
                   note: str = typer.Option(..., "--note", help="Why, for the person.")) -> None:
    """The record is wrong: keep it out of scoring and rescore the person."""
    _resolve(dispute_id, "upheld", note)


@dispute_app.command("reject")
def dispute_reject(dispute_id: str = typer.Argument(...),
                   note: str = typer.Option(..., "--note", help="Why, for the person.")) -> None:
    """The record stands: count it again and rescore the person."""
    _resolve(dispute_id, "rejected", note)


notify_app = typer.Typer(help="Notifications: the e-mail sender and its outbox.",
                         no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("send")
def notify_send(
    once: bool = typer.Option(False, "--once", help="One pass, then exit."),
    interval: float = typer.Option(10.0, min=0.1, max=3600, help="Seconds between passes."),
    lease_seconds: float = typer.Option(
        120.0, min=0.5, max=86400,
        help="How long a message stays claimed by this sender; after a crash another "
             "sender sends it once this has passed."),
) -> None:
    """Write the notices of authorizations about to expire and send the e-mail outbox
    through the SMTP server of CREDO_SMTP_HOST (without one, only the notices)."""
    from datetime import timedelta

    from credo.service.notifications.sender import run

    ctx = _ctx()
    try:
        if ctx.settings.smtp is None:
            out.print("no SMTP server is configured (CREDO_SMTP_HOST): notices are written "
                      "to the in-app list only", highlight=False)
        run(ctx.sessions, ctx.settings.smtp, once=once, interval=interval,
            lease=timedelta(seconds=lease_seconds),
            report=lambda line: out.print(line, highlight=False))
    finally:
        ctx.close()


@notify_app.command("status")
def notify_status() -> None:
    """E-mails queued, sent and given up."""
    from credo.service.notifications.logic import outbox_counts

    ctx = _ctx()
    try:
        with ctx.session() as s:
            counts = outbox_counts(s)
    finally:
        ctx.close()
    out.print(", ".join(f"{k}: {v}" for k, v in counts.items()), highlight=False)
