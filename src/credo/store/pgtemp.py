"""A throwaway PostgreSQL cluster for tests and benchmarks.

Starts its own server (``initdb`` into a temporary folder, ``pg_ctl start`` on a free
loopback port) so nothing depends on a system service, and removes it afterwards.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from credo.errors import ConfigError


def find_bindir() -> Path | None:
    """Folder of ``initdb``/``pg_ctl``: Debian's versioned folder first, then PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def temp_postgres(*, durable: bool = False) -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL server; stop and delete it on exit.

    ``durable=False`` turns fsync off: fine for tests, never for figures meant to say
    something about production (the benchmark passes ``durable=True``).
    """
    bindir = find_bindir()
    if bindir is None:
        raise ConfigError("PostgreSQL binaries not found: run scripts/system-deps.sh")
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="credo-pg-"))
    if as_root:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    port = _free_port()
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=100"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=root)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync", "--locale=C")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
            "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as error:
        log = (root / "log").read_text()[-2000:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise ConfigError(
            f"could not start a temporary PostgreSQL: {error.stderr.decode()[-500:]} {log}"
        ) from None
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, cwd=root, check=False)
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, name: str | None = None) -> str:
    """Create an empty database on the server; return its URL."""
    from credo.store.engine import make_engine

    name = name or f"t_{uuid.uuid4().hex[:12]}"
    engine = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def server_for_tests() -> Iterator[str | None]:
    """A throwaway server, or None when PostgreSQL is not installed outside CI.

    In CI (``CI`` set) missing binaries are an error, so the PostgreSQL half of the
    tests can never be skipped silently there.
    """
    if find_bindir() is None:
        if os.environ.get("CI"):
            raise ConfigError("PostgreSQL binaries not found in CI: run scripts/system-deps.sh")
        yield None
        return
    with temp_postgres() as url:
        yield url
