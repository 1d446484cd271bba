"""A month's scores: the published ones when the month was run, else the model's; with
neither, an error that says what to do. One rule for the monitor and the console."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.errors import InputError
from credo.features.catalogue import IN_DEFAULT
from credo.governance.samples import month_scores
from credo.layout import scores_path
from credo.scorecard import Scorecard

from ..scorecard.conftest import make_table

MONTH = date(2025, 1, 1)


def test_published_scores_come_first_and_people_in_default_stay_out(tmp_path) -> None:
    settings = Settings(home=tmp_path)
    path = scores_path(settings, MONTH)
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "person_id": ["p1", "p2", "p3"], "score": pa.array([700, 350, 620], pa.int32()),
        "model_id": ["m"] * 3, "reason_1": ["r", IN_DEFAULT, "r"],
    }), path)
    X, y = make_table(300, seed=2)
    model = Scorecard().fit(X, y)
    np.testing.assert_array_equal(month_scores(settings, MONTH, X, model), [700, 620])


def test_without_a_run_the_model_scores_and_without_a_model_the_error_says_what_to_do(
    tmp_path,
) -> None:
    settings = Settings(home=tmp_path)
    X, y = make_table(300, seed=2)
    model = Scorecard().fit(X, y)
    np.testing.assert_array_equal(month_scores(settings, MONTH, X, model), model.score(X))
    with pytest.raises(InputError, match=r"no snapshot for 2025-01-01.*credo run --as-of"):
        month_scores(settings, MONTH, X, None)
