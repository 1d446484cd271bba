"""Typed errors. Each message says what went wrong and what to do next.

The CLI turns any ``CredoError`` into one line on stderr and a non-zero exit code,
so a user mistake never ends in a traceback.
"""

from __future__ import annotations


class CredoError(Exception):
    """Base class for every error credo raises on purpose."""

    exit_code = 2


class InputError(CredoError):
    """The data handed to credo cannot be used as it is (file, column, value)."""


class ModelFileError(CredoError):
    """A model artifact is missing, corrupt, or of a version this credo cannot read."""


class ConfigError(CredoError):
    """A setting or option is invalid."""


class NotFittedError(CredoError):
    """An estimator was used before ``fit``."""
