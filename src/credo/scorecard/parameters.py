"""The fit parameters of a scorecard by their flat names.

The estimator takes its binning constraints as one :class:`BinningOptions` (where each
of their defaults is written) beside four parameters of its own. The model file records
the values a model was fitted with, and a tuning grid names the values to try, as one
flat mapping (``{"min_bin_share": 0.05, "C": 0.3, ...}``): these functions translate
between that mapping and the estimator's parameters, so no list of names or defaults is
written twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from credo.scorecard.binning import BinningOptions

BINNING_PARAMETERS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(BinningOptions))
# The estimator's own parameters that shape a fit (their defaults are in its signature).
MODEL_PARAMETERS: tuple[str, ...] = ("min_iv", "max_correlation", "C", "refit_prior")
# Every parameter that shapes a fit: each can be tuned and is recorded in the model file.
FIT_PARAMETERS: tuple[str, ...] = (*BINNING_PARAMETERS, *MODEL_PARAMETERS)


def flat_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The fit parameters by flat name, from an estimator's parameters (``get_params``):
    the binning options' fields (their defaults when ``binning`` is None) and the
    estimator's own."""
    binning = params.get("binning") or BinningOptions()
    return {
        **{name: getattr(binning, name) for name in BINNING_PARAMETERS},
        **{name: params[name] for name in MODEL_PARAMETERS},
    }


def estimator_parameters(
    flat: Mapping[str, Any], binning: BinningOptions | None = None
) -> dict[str, Any]:
    """Estimator keyword arguments from flat names: binning options gathered into one
    :class:`BinningOptions` (over ``binning``, else the defaults), every other name kept
    as it is. A ``binning`` entry in ``flat`` is the base the flat names change."""
    rest = dict(flat)
    base = rest.pop("binning", None) or binning or BinningOptions()
    changes = {name: rest.pop(name) for name in BINNING_PARAMETERS if name in rest}
    if changes:
        base = dataclasses.replace(base, **changes)
    return {"binning": base, **rest}
