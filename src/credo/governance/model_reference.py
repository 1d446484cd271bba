"""Which model a command or an endpoint is about, read from one reference.

A reference is a model file's path, a registered model's id, or nothing: then the
champion (what ``credo run`` scores with) or, for a report, the latest registered model.
The registry is opened only when an id has to be looked up, so naming a file never
touches the operational store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from credo.config import Settings
from credo.errors import InputError
from credo.governance.registry import ModelInfo, Registry
from credo.layout import champion_path
from credo.scorecard import Scorecard, artifact

Default = Literal["champion", "latest"]


@dataclass(frozen=True)
class ChosenModel:
    """A model read for use: the estimator, its whole document, and where it came from
    (the file, or None when it came from the registry)."""

    scorecard: Scorecard
    document: dict[str, Any]
    path: Path | None

    @property
    def model_id(self) -> str | None:
        return self.document.get("model_id")


def find_model(
    settings: Settings, reference: str | Path | None = None, *, default: Default = "champion"
) -> ChosenModel | None:
    """The model ``reference`` names; with none, the ``default`` one, or None when there
    is no such model yet. A reference that names nothing is an error that says so."""
    if reference is not None:
        return _named(settings, str(reference))
    if default == "latest":
        with Registry(settings) as registry:
            listed = registry.list()
            if listed:
                return _registered(registry, listed[-1])
    path = champion_path(settings)
    return _from_file(path) if path.exists() else None


def resolve_model(
    settings: Settings, reference: str | Path | None = None, *, default: Default = "champion"
) -> ChosenModel:
    """:func:`find_model`, refusing to go on without a model: the error says what to do."""
    chosen = find_model(settings, reference, default=default)
    if chosen is None:
        missing = ("no model is registered and there is no champion"
                   if default == "latest" else "no champion model")
        raise InputError(
            f"{missing} at {champion_path(settings)}: train one first "
            "(credo train --as-of ...) or pass --model"
        )
    return chosen


def registry_entry(settings: Settings, model_id: str | None) -> ModelInfo | None:
    """The registry's record of a model (None for a model never registered)."""
    if model_id is None:
        return None
    with Registry(settings) as registry:
        return next((m for m in registry.list() if m.model_id == model_id), None)


def _named(settings: Settings, reference: str) -> ChosenModel:
    path = Path(reference)
    if path.exists():
        return _from_file(path)
    if _looks_like_a_path(reference):
        raise InputError(f"no model file at {reference}: check the path, or give a "
                         "registered model id (credo model list)")
    with Registry(settings) as registry:
        info = next((m for m in registry.list() if m.model_id == reference), None)
        if info is None:
            raise InputError(
                f"no model file or registered model {reference!r}: see credo model list"
            )
        return _registered(registry, info)


def _looks_like_a_path(reference: str) -> bool:
    # Registered ids are plain names (scorecard-<time>-<fingerprint>); a file is named
    # by its suffix or its folders.
    return reference.endswith(artifact.MODEL_SUFFIXES) or "/" in reference or "\\" in reference


def _registered(registry: Registry, info: ModelInfo) -> ChosenModel:
    document = registry.document(info.model_id)
    return ChosenModel(artifact.from_dict(document, info.model_id), document, None)


def _from_file(path: Path) -> ChosenModel:
    scorecard, document = artifact.load(path)
    return ChosenModel(scorecard, document, path)
