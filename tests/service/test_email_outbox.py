"""E-mail notifications through a real SMTP server (aiosmtpd on this machine), from the
durable outbox: a crash of the sender never loses a notice, and a notice handed to the
server twice is the same message (one Message-ID)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from credo.config import SmtpSettings
from credo.service.notifications.sender import deliver, message_id
from credo.store.models import OutboxMessage

from .conftest import World


class Mailbox:
    """Records what the server accepted; can hold the Nth message before answering, and
    refuse a recipient."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.hold_at: int | None = None
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.refuse: set[str] = set()

    # aiosmtpd calls its hooks by these names
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any  # noqa: N802
                          ) -> str:
        parsed = message_from_bytes(envelope.content)
        self.received.append({"id": parsed["Message-ID"], "to": parsed["To"],
                              "subject": parsed["Subject"]})
        if self.hold_at is not None and len(self.received) == self.hold_at:
            self.arrived.set()
            while not self.release.is_set():  # the sender dies waiting for the answer
                await asyncio.sleep(0.05)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, SmtpSettings]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, SmtpSettings(host="127.0.0.1", port=port, sender="credo@example.org",
                                security="none")
    finally:
        box.release.set()
        controller.stop()


def with_email(world: World, smtp: SmtpSettings, pid: str = "P1") -> None:
    world.ctx.settings = dataclasses.replace(world.ctx.settings, smtp=smtp)
    r = world.client.put("/v1/me/notification-settings", headers=world.person(pid),
                         json={"email": f"{pid.lower()}@example.org", "email_on": True})
    assert r.status_code == 200 and r.json()["can_send"] is True, r.text


def five_notices(world: World) -> None:
    for method, path in (("POST", "freeze"), ("DELETE", "freeze"), ("POST", "fraud-alert"),
                         ("DELETE", "fraud-alert"), ("POST", "freeze")):
        assert world.client.request(method, f"/v1/me/{path}",
                                    headers=world.person()).status_code == 200


def outbox(world: World) -> list[OutboxMessage]:
    with world.ctx.session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_notices_are_mailed_once_each(world: World,
                                      mailbox: tuple[Mailbox, SmtpSettings]) -> None:
    box, smtp = mailbox
    with_email(world, smtp)
    five_notices(world)
    queued = outbox(world)
    assert len(queued) == 5 and all(m.sent_at is None for m in queued)
    done = deliver(world.ctx.sessions, smtp)
    assert (done.sent, done.failed, done.retried) == (5, 0, 0)
    assert deliver(world.ctx.sessions, smtp).sent == 0  # nothing left: nothing sent twice
    assert [m["id"] for m in box.received] == [message_id(m.notification_id, smtp.sender)
                                               for m in queued]
    assert box.received[0] == {"id": box.received[0]["id"], "to": "p1@example.org",
                               "subject": "Your file is frozen"}
    listed = world.client.get("/v1/me/notifications", headers=world.person()).json()
    assert {n["emailed"] for n in listed} == {"sent"}


def test_a_refused_address_is_given_up_and_an_unreachable_server_waits(
        sqlite_world: World, mailbox: tuple[Mailbox, SmtpSettings]) -> None:
    world = sqlite_world
    box, smtp = mailbox
    with_email(world, smtp)
    box.refuse.add("p1@example.org")
    world.client.post("/v1/me/freeze", headers=world.person())
    assert deliver(world.ctx.sessions, smtp).failed == 1
    [failed] = outbox(world)
    assert failed.failed_at is not None and "550" in (failed.last_error or "")
    world.client.delete("/v1/me/freeze", headers=world.person())
    down = dataclasses.replace(smtp, port=_free_port())  # nobody listens there
    result = deliver(world.ctx.sessions, down)
    assert result.sent == 0 and "cannot reach the mail server" in result.errors[0]
    waiting = outbox(world)[1]
    assert waiting.sent_at is None and waiting.failed_at is None


def test_a_sender_killed_mid_send_loses_nothing_and_doubles_nothing(
        sqlite_world: World, mailbox: tuple[Mailbox, SmtpSettings]) -> None:
    world = sqlite_world
    box, smtp = mailbox
    with_email(world, smtp)
    five_notices(world)
    box.hold_at = 3  # the server holds the third message: the sender waits for its answer
    env = {**os.environ, "CREDO_HOME": str(world.ctx.settings.home),
           "CREDO_DATABASE_URL": world.ctx.settings.database,
           "CREDO_SMTP_HOST": smtp.host, "CREDO_SMTP_PORT": str(smtp.port),
           "CREDO_SMTP_FROM": smtp.sender, "CREDO_SMTP_SECURITY": "none"}
    command = [sys.executable, "-m", "credo", "notify", "send", "--once",
               "--lease-seconds", "1"]
    sender = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        assert box.arrived.wait(120), "the sender never reached the third message"
        os.kill(sender.pid, signal.SIGKILL)  # a crash: no clean-up of any kind
        sender.wait(30)
    finally:
        if sender.poll() is None:
            sender.kill()
    box.release.set()
    rows = outbox(world)
    assert [m.sent_at is not None for m in rows] == [True, True, False, False, False]
    assert rows[2].claimed_until is not None  # claimed by the dead sender
    time.sleep(1.2)  # its lease ends
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    rows = outbox(world)
    assert all(m.sent_at is not None and m.failed_at is None for m in rows)
    expected = [message_id(m.notification_id, smtp.sender) for m in rows]
    seen = Counter(m["id"] for m in box.received)
    # Nothing lost: every notice reached the server. The one in flight at the crash was
    # handed over again, as the same message (one Message-ID): nothing else twice.
    assert set(seen) == set(expected)
    assert {i: n for i, n in seen.items() if n > 1} == {expected[2]: 2}
    assert [m.attempts for m in rows] == [1, 1, 2, 1, 1]


def test_the_sender_without_a_server_writes_expiry_notices(sqlite_world: World) -> None:
    world = sqlite_world
    world.grant(days=2)
    env = {**os.environ, "CREDO_HOME": str(world.ctx.settings.home),
           "CREDO_DATABASE_URL": world.ctx.settings.database}
    env.pop("CREDO_SMTP_HOST", None)
    done = subprocess.run([sys.executable, "-m", "credo", "notify", "send", "--once"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no SMTP server is configured" in done.stdout
    assert "1 expiry notice(s) written" in done.stdout


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("CREDO_SMTP_HOST", "mail server!", "not a host name"),
    ("CREDO_SMTP_PORT", "smtp", "not a port number"),
    ("CREDO_SMTP_PORT", "70000", "from 1 to 65535"),
    ("CREDO_SMTP_FROM", "nobody", "the address notices are sent from"),
    ("CREDO_SMTP_SECURITY", "ssl3", "choose one of starttls, tls, none"),
])
def test_a_bad_smtp_setting_is_a_clear_error(tmp_path: Any, variable: str, value: str,
                                             says: str) -> None:
    env = {**os.environ, "CREDO_HOME": str(tmp_path), "CREDO_SMTP_HOST": "127.0.0.1",
           variable: value}
    env.pop("CREDO_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "credo", "notify", "send", "--once"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr


def test_waits_grow_and_stop_growing() -> None:
    from credo.service.notifications.sender import MAX_WAIT, wait_after

    waits = [wait_after(n) for n in range(1, 20)]
    assert waits[0] == timedelta(minutes=1) and waits == sorted(waits)
    assert waits[-1] == MAX_WAIT


def test_a_partner_read_mails_its_notice_to_whoever_turned_email_on(
        world: World, mailbox: tuple[Mailbox, SmtpSettings]) -> None:
    box, smtp = mailbox
    with_email(world, smtp, "P1")  # P2 never gave an address
    for pid in ("P1", "P2"):
        world.grant(pid)
        assert world.score(pid).status_code == 200
    assert world.client.post("/v1/me/freeze", headers=world.person()).status_code == 200
    assert world.score("P1").status_code == 403  # refused, and still told
    queued = outbox(world)
    assert [m.to_address for m in queued] == ["p1@example.org"] * 3
    assert [m.subject for m in queued] == [
        "Lender A asked for your score (loan): it was shown", "Your file is frozen",
        "Lender A asked for your score (loan): it was refused: your file is frozen"]
    assert deliver(world.ctx.sessions, smtp).sent == 3 and len(box.received) == 3
