"""Checks on a file credo is asked to write, made before the work that produces it.

A model that took minutes to train, or a million scores, must not be lost to a typo in
``--out``: the destination is checked first, and a write that still fails (a full disk,
no permission) ends in one clear error instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from credo.errors import InputError


def check_output_path(path: str | Path, suffixes: tuple[str, ...], what: str) -> Path:
    """``path`` as a Path, if a ``what`` can be written there with one of ``suffixes``."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(
            f"{str(path)!r}: unsupported {what} type {path.suffix or '(none)'}; "
            f"use {' or '.join(suffixes)}"
        )
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder: give a file name for the {what}")
    if not path.parent.is_dir():
        raise InputError(f"folder {str(path.parent)!r} does not exist: create it first")
    return path


def make_output_path(path: str | Path, suffixes: tuple[str, ...], what: str) -> Path:
    """Like :func:`check_output_path`, for outputs whose folder credo makes if missing."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"cannot make the folder {str(path.parent)!r} for the {what}: "
            f"{error.strerror or error}"
        ) from None
    return check_output_path(path, suffixes, what)


def write_atomically(path: Path, write: Callable[[Path], object], what: str) -> None:
    """Write through a temporary file beside ``path``, so a partial file never replaces it.

    The temporary file's name starts with a dot: readers of a folder of Parquet files
    skip hidden files, so one left by a crash is never read as data.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write(temporary)
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(
            f"could not write the {what} to {str(path)!r}: {error.strerror or error}"
        ) from None
