"""What a path may ask of a person: only how they pay and borrow."""

from __future__ import annotations

from credo.features.catalogue import ACTIONABLE, BY_NAME
from credo.pipeline.path import ON_TIME_MOVES, PAY_DOWN_MOVES
from credo.policy.protected import looks_protected


def test_no_tenure_identity_income_or_protected_feature_is_actionable() -> None:
    for name in ACTIONABLE:
        spec = BY_NAME[name]
        assert spec.dimension not in ("tenure", "identity"), name
        assert not name.startswith(("income_", "salary_")), name  # what one earns
        assert not looks_protected(name), name


def test_a_path_moves_only_actionable_features() -> None:
    assert set(PAY_DOWN_MOVES) | set(ON_TIME_MOVES) <= ACTIONABLE
