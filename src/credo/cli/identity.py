"""Who is at the command line: the actor recorded in the audit trail and the registry."""

from __future__ import annotations

import getpass


def actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli:unknown"
