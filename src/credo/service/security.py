"""Secrets: API keys, person tokens and passwords, all stored only as hashes.

API keys and tokens are 32 random bytes, so a keyed SHA-256 (HMAC with a pepper kept
outside the database) is enough: a stolen database yields neither keys nor a way to
test guesses. Passwords are low-entropy, so they get argon2id, which is slow on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

KEY_PREFIX = {"partner": "credo_pk_", "source": "credo_sk_", "operator": "credo_ok_"}
_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
_DUMMY_HASH = _hasher.hash("not a password: used to make failed logins take as long")


@lru_cache(maxsize=8)
def pepper_for(home: str, explicit: str | None = None) -> bytes:
    """The pepper: ``CREDO_PEPPER`` if given, else a random one kept in CREDO_HOME."""
    if explicit:
        return explicit.encode()
    path = Path(home) / "secrets" / "pepper"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another process made it first: use theirs
    return path.read_text().strip().encode()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str, pepper: bytes) -> str:
    return hmac.new(pepper, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not the account has a password."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
