"""The scorecard estimator: binning -> WOE -> logistic regression -> integer points.

Follows scikit-learn's conventions: parameters in ``__init__`` (stored as given, no work
there), learned state in attributes ending in ``_``, ``fit`` returns ``self``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credo.dictionary import DataDictionary
from credo.errors import ConfigError, InputError, NotFittedError
from credo.progress import Step
from credo.scorecard import refit as refit_mod
from credo.scorecard import severe as severe_mod
from credo.scorecard.binning import (
    BinningOptions,
    FeatureBinning,
    UninformativeFeatureError,
    fit_categorical,
    fit_numeric,
)
from credo.scorecard.encoding import numeric_values
from credo.scorecard.feature import ScorecardFeature
from credo.scorecard.fingerprint import data_fingerprint
from credo.scorecard.inputs import (
    check_finite,
    check_frame,
    check_target,
    feature_kinds,
    require_columns,
)
from credo.scorecard.logistic import PILOT_ROWS, LogisticFit, fit_logistic
from credo.scorecard.parameters import estimator_parameters, flat_parameters
from credo.scorecard.protected import protected_columns
from credo.scorecard.scaling import Scaling, whole_points
from credo.scorecard.scoring import ScoringPlan
from credo.scorecard.selection import SelectionEntry, select_by_iv_and_correlation
from credo.scorecard.tuning import cross_validate, tuning_grid
from credo.threads import blas_threads, pool_threads

__all__ = ["Scorecard", "ScorecardFeature"]

Progress = Step  # one step of the fit done, with what it was


class Scorecard:
    """A points scorecard scaled to 350-950 (higher is safer).

    Parameters
    ----------
    binning:
        The constraints of the optimal binning and the prior behind every bin's weight of
        evidence, as one :class:`BinningOptions` (``None``: its defaults). Its
        ``woe_prior`` is the strength, in rows, of that prior: that many pseudo-rows in
        the training sample's good/bad mix are added to each bin, so a thin bin's WOE is
        pulled toward 0 (the population's odds) and a bin with no goods or no bads stays
        finite. The merge of pre-bins maximises IV with the same WOE and keeps both the
        raw and the smoothed default rates in the trend, so points follow the trend too.
        0 gives raw WOE (a bin with no goods or no bads counts half a row on the empty
        side). It matters on small samples and fades as bins grow.
    min_iv:
        Features with a lower information value are left out.
    max_correlation:
        Of two features whose WOE columns correlate more than this, the weaker is left out.
    refit_prior:
        After the regression, every bin's points are refitted given the other features
        (backfitting, each feature's bins kept in its trend: see
        :mod:`credo.scorecard.refit`), pulled back toward the regression's values with
        this much Fisher information (about ``p (1 - p)`` per row, so 100 is the weight
        of roughly a thousand rows at a 10 % bad rate). Small samples barely move; large
        ones get each bin's conditional value, which one coefficient per feature cannot
        give. ``None`` keeps the regression's points.
    C:
        Inverse L2 regularisation of the logistic regression. The penalty is set against
        the summed log-loss, so it fades as the sample grows; the default 0.3 shrinks
        the coefficients of small samples a little (it measured better than 1.0 on
        German Credit over many splits) and hardly moves large ones.
    scaling:
        Base score, base odds and points to double the odds (see :class:`Scaling`).
    dictionary:
        Dimensions, descriptions, expected trends, special values and protected columns.
    categorical:
        Columns to treat as categorical even if their values look numeric.
    exclude:
        Columns never to use (an id, a date, a leak).
    allow_protected:
        Columns whose names read as protected attributes (age, sex, nationality, ...;
        see :mod:`credo.policy.protected`) that may be model inputs all the same. Without
        this, or a dictionary that lists them as features, they are left out and named
        in ``protected_``. The dictionary's own protected columns are never allowed.
    tune:
        Choose some of the parameters above by stratified cross-validation on the
        training data (never on anything else): ``False``; ``True`` for the grid
        :data:`~credo.scorecard.tuning.TUNING_GRID`; a mapping of parameter name to
        candidate values (a binning option by its own name, such as ``min_bin_share``,
        or ``min_iv``, ``max_correlation``, ``C``, ``refit_prior``: see
        :mod:`credo.scorecard.parameters`); or ``"auto"``, the grid only on samples under
        :data:`~credo.scorecard.tuning.TUNE_AUTO_MAX_ROWS` rows, where bin sizes and
        regularisation matter and a few dozen refits are cheap. The
        candidate with the highest mean held-out AUC wins (ties: the earlier one, and
        the given values come first); the record is kept in ``tuning_`` and
        ``best_params_``.
    cv, random_state:
        Folds of the cross-validation and the seed of their stratified assignment.
    """

    def __init__(
        self,
        *,
        binning: BinningOptions | None = None,
        min_iv: float = 0.01,
        max_correlation: float = 0.9,
        C: float = 0.3,
        refit_prior: float | None = 100.0,
        scaling: Scaling | None = None,
        dictionary: DataDictionary | None = None,
        categorical: Sequence[str] = (),
        exclude: Sequence[str] = (),
        allow_protected: Sequence[str] = (),
        tune: bool | str | Mapping[str, Sequence[Any]] = False,
        cv: int = 5,
        random_state: int = 0,
    ) -> None:
        self.binning = binning
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.C = C
        self.refit_prior = refit_prior
        self.scaling = scaling
        self.dictionary = dictionary
        self.categorical = categorical
        self.exclude = exclude
        self.allow_protected = allow_protected
        self.tune = tune
        self.cv = cv
        self.random_state = random_state

    # ------------------------------------------------------------ parameters
    @classmethod
    def _parameter_names(cls) -> list[str]:
        # As scikit-learn does: the parameters are those of ``__init__``, never a list.
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters as given (scikit-learn's contract: ``clone`` and
        ``Scorecard(**model.get_params())`` make the same unfitted model). ``deep`` is
        accepted for that contract; no parameter is itself an estimator."""
        return {name: getattr(self, name) for name in self._parameter_names()}

    def set_params(self, **params: Any) -> Scorecard:
        """Set parameters by name (scikit-learn's contract); returns the estimator."""
        known = self._parameter_names()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {', '.join(unknown)}: a Scorecard takes "
                f"{', '.join(known)} (binning options go inside binning=BinningOptions(...))"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def fit_parameters(self) -> dict[str, Any]:
        """Every parameter that shapes a fit, by flat name (as the model file records
        them and a tuning grid names them)."""
        return flat_parameters(self.get_params(deep=False))

    def with_fit_parameters(self, flat: Mapping[str, Any]) -> Scorecard:
        """An unfitted copy, untuned, with some fit parameters (by flat name) changed."""
        params = estimator_parameters({**self.get_params(deep=False), **flat})
        return type(self)(**{**params, "tune": False})

    def _tuning_grid(self, n_rows: int) -> dict[str, list[Any]]:
        return tuning_grid(self.tune, self.fit_parameters(), self.cv, n_rows)

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray | pd.Series,
        progress: Progress | None = None,
    ) -> Scorecard:
        X = check_frame(X, "training data")
        target = check_target(y, X.shape[0])
        grid = self._tuning_grid(X.shape[0])
        if grid:
            record = cross_validate(
                self.with_fit_parameters, X, target, grid, self.cv, self.random_state,
                progress or (lambda _m: None),
            )
            fitted = self.with_fit_parameters(record["chosen"]).fit(X, target, progress)
            for name, value in fitted.__dict__.items():
                if name.endswith("_") and not name.startswith("_"):
                    setattr(self, name, value)
            self.tuning_ = record
            return self
        self.best_params_ = {**self.get_params(deep=False), "tune": False}
        self._check_model_parameters()
        options = self.binning or BinningOptions()
        dictionary = self.dictionary or DataDictionary()
        self.scaling_ = self.scaling or Scaling()
        self.protected_ = protected_columns(X.columns, dictionary, self.allow_protected)
        usable = [
            str(c) for c in X.columns if c not in self.protected_ and c not in self.exclude
        ]
        # Severe derogatories are scored apart, on top of the fitted model.
        severe = [c for c in usable if dictionary.info(c).severe]
        candidates = [c for c in usable if c not in severe]
        if not usable:
            raise InputError("no feature columns are left to train on (all are excluded)")
        kinds = feature_kinds(X, candidates, self.categorical)

        tick = progress or (lambda _message: None)
        # The fingerprint of the training data is hashed meanwhile, on another thread.
        background = ThreadPoolExecutor(max_workers=1)
        fingerprint = background.submit(data_fingerprint, X[usable], target)

        def bin_one(name: str) -> tuple[FeatureBinning, np.ndarray] | str:
            info = dictionary.info(name)
            try:
                if kinds[name] == "numeric":
                    values = numeric_values(X[name], name)
                    binning = fit_numeric(
                        name, values, target, options, list(info.special_values), info.trend
                    )
                    return binning, binning.bin_index(values)
                binning = fit_categorical(name, X[name], target, options)
                return binning, binning.bin_index(X[name])
            except UninformativeFeatureError as error:
                # Constant or empty here: recorded and left out, never fatal, since a
                # population may lack a whole kind of record (no mortgages, no salary).
                return error.reason

        # Features are binned side by side: the compiled kernels and numpy's partition
        # release the GIL, so threads use the usable cores without copying the data. Each
        # feature is a task taken by whichever thread is free, so a thread descheduled
        # on a busy machine holds up one feature, not the others.
        self.binnings_: dict[str, FeatureBinning] = {}
        bin_index: dict[str, np.ndarray] = {}
        uninformative: list[SelectionEntry] = []
        with ThreadPoolExecutor(max_workers=pool_threads(X.shape[0])) as pool:
            for name, fitted in zip(candidates, pool.map(bin_one, candidates), strict=True):
                tick(f"binning {name}")
                if isinstance(fitted, str):
                    uninformative.append(SelectionEntry(name, 0.0, False, fitted))
                    continue
                self.binnings_[name], bin_index[name] = fitted
        if not self.binnings_:
            raise InputError(
                "every feature is constant or empty in the training data: there is "
                "nothing to separate good from bad (check the data)"
            )

        # The linear algebra from here on takes its BLAS threads from the cores free
        # now: BLAS threads spinning on a busy machine cost up to 30 times the work.
        with blas_threads(X.shape[0]):
            tick("selecting features")
            woe = _WoeColumns(
                {name: b.woe_values() for name, b in self.binnings_.items()}, bin_index
            )
            # Correlations are estimated on a regular sample of at most ~200k rows: the
            # estimate's error there (about 0.002) is far below any threshold in use.
            every = slice(None, None, max(1, X.shape[0] // 200_000))
            entries = select_by_iv_and_correlation(
                {n: b.iv for n, b in self.binnings_.items()},
                lambda names: woe.matrix(names, every, np.float32),
                self.min_iv,
                self.max_correlation,
            ) + uninformative
            selected = [e.feature for e in entries if e.selected]
            if not selected:
                raise InputError(
                    f"no feature reaches the minimum information value {self.min_iv}: the data "
                    "does not separate good from bad (lower --min-iv, or check the target)"
                )

            tick("fitting the logistic regression")
            self.selection_ = entries
            self._fit_points(selected, woe, target, dictionary)
            if self.refit_prior is not None:
                tick("refitting each bin given the other features")
                self._refit_points(woe, target)
            if severe:
                tick("scoring severe derogatories")
                self._add_severe(severe, X, target, woe, dictionary)
        self.n_train_ = int(X.shape[0])
        self.bad_rate_train_ = float(target.mean())
        self.fingerprint_ = fingerprint.result()
        background.shutdown()
        self.feature_kinds_ = {f.name: f.binning.dtype for f in self.features_}
        return self

    def _fit_points(
        self, selected: list[str], woe: _WoeColumns, target: np.ndarray,
        dictionary: DataDictionary,
    ) -> None:
        """Regression and points; a feature whose bins all get the same points changes
        no score, so it is dropped (with its reason) and the model refitted."""
        by_name = {e.feature: e for e in self.selection_}
        while True:
            coefficients, self.intercept_ = self._fit_signed_regression(
                selected, woe, target, self.selection_
            )
            self.features_ = [
                ScorecardFeature(
                    binning=self.binnings_[name],
                    coefficient=coefficients[name],
                    dimension=dictionary.info(name).dimension,
                    description=dictionary.info(name).description,
                )
                for name in selected
                if name in coefficients
            ]
            self._assign_points()
            flat = [f for f in self.features_ if f.best_points == f.worst_points]
            if not flat or len(flat) == len(self.features_):
                return
            for feature in flat:
                entry = by_name[feature.name]
                entry.selected = False
                entry.reason = (
                    f"the same points ({feature.best_points}) in every bin: it would change "
                    "no score (dropped, model refitted)"
                )
            selected = [f.name for f in self.features_ if f not in flat]

    def _refit_points(self, woe: _WoeColumns, target: np.ndarray) -> None:
        """Each bin's conditional value, in its feature's trend (see
        :mod:`credo.scorecard.refit`); a feature left flat is folded into the rest."""
        features = self.features_
        # Regular bins come first in every binning, in order.
        shapes = [refit_mod.BinShape(f.binning.trend, np.arange(f.binning.n_regular))
                  for f in features]
        start = [f.coefficient * f.binning.woe_values() for f in features]
        values = refit_mod.refit(
            [woe.bin_index[f.name] for f in features], start, shapes,
            self.intercept_, target, float(self.refit_prior),
        )
        for feature, value in zip(features, values, strict=True):
            refit_mod.settle_empty_bins(feature.binning, value)
        scaling = self.scaling_
        constant = scaling.offset - scaling.factor * self.intercept_
        kept = []
        by_name = {e.feature: e for e in self.selection_}
        for feature, value in zip(features, values, strict=True):
            if np.ptp(value) * scaling.factor < 0.5 and len(features) > 1:
                # Flat given the others: a constant, which the other features carry.
                constant -= scaling.factor * float(value[0])
                by_name[feature.name].selected = False
                by_name[feature.name].reason = (
                    "the same points in every bin once refitted given the other features: "
                    "it would change no score (dropped)"
                )
                continue
            kept.append((feature, value))
        share = constant / len(kept)
        for feature, value in kept:
            for b, v in zip(feature.binning.bins, value, strict=True):
                b.points = whole_points(-scaling.factor * float(v) + share)
        self.features_ = [feature for feature, _ in kept]

    def _add_severe(
        self, names: list[str], X: pd.DataFrame, target: np.ndarray, woe: _WoeColumns,
        dictionary: DataDictionary,
    ) -> None:
        """Each severe feature's record costs the extra log-odds it adds to the fitted
        model's own (never less than the policy's floor): see :mod:`credo.scorecard.severe`."""
        regular = self.features_
        # The fitted model's own log-odds of bad, from the points it scores with (after
        # any refit): points = offset - factor * log-odds, summed over the features.
        scaling = self.scaling_
        total = np.zeros(target.shape[0])
        for f in regular:
            total += np.array([b.points for b in f.binning.bins])[woe.bin_index[f.name]]
        offset = (scaling.offset - total) / scaling.factor
        indicators = np.column_stack(
            [severe_mod.on_record(numeric_values(X[n], n)) for n in names]
        )
        extra = severe_mod.extra_log_odds(indicators, offset, target, self.C)
        added = []
        for k, (name, b) in enumerate(zip(names, extra, strict=True)):
            cost = severe_mod.record_cost(b, scaling)
            binning = severe_mod.severe_binning(name, indicators[:, k] > 0, target, cost,
                                                scaling)
            self.binnings_[name] = binning
            held = int(indicators[:, k].sum())
            self.selection_.append(SelectionEntry(
                name, binning.iv, True,
                f"severe derogatory, always scored: on record ({held:,} rows) costs {cost} "
                f"points (estimated extra log-odds {b:+.3f}, at least the policy's floor)",
            ))
            added.append(ScorecardFeature(
                binning=binning, coefficient=-1.0,
                dimension=dictionary.info(name).dimension,
                description=dictionary.info(name).description,
            ))
        self.features_ = [*regular, *added]

    def _check_model_parameters(self) -> None:
        """The parameters beyond binning's (which :class:`BinningOptions` checks)."""
        check_finite("min_iv", self.min_iv, above=0)
        if not 0 < self.max_correlation <= 1:
            raise ConfigError(
                f"max_correlation must be in (0, 1], got {self.max_correlation!r}"
            )
        check_finite("C", self.C, above=0, inclusive=False)
        if self.refit_prior is not None:
            check_finite("refit_prior", self.refit_prior, above=0)

    def _fit_signed_regression(
        self,
        selected: list[str],
        woe: _WoeColumns,
        target: np.ndarray,
        entries: list[SelectionEntry],
    ) -> tuple[dict[str, float], float]:
        """The logistic regression on WOE, with wrong-signed features dropped."""
        by_name = {e.feature: e for e in entries}
        n = target.shape[0]
        names = list(selected)
        start = None
        if n > 2 * PILOT_ROWS:
            # Signs are decided on a regular sample first: each drop means a refit, and
            # refits on the sample are cheap. The full-data fit then starts from there.
            stride = n // PILOT_ROWS
            sample = woe.matrix(names, slice(None, None, stride))
            kept, start = self._drop_wrong_signs(
                sample, target[::stride], self.C / stride, list(range(len(names))), names,
                by_name, None,
            )
            names = [names[k] for k in kept]
        # The full matrix is held in float32: half the memory to allocate and to read
        # on every Newton pass, and the optimum moves by ~1e-7 (see fit_logistic).
        active, fit = self._drop_wrong_signs(
            woe.matrix(names, slice(None), np.float32), target, self.C,
            list(range(len(names))), names, by_name, start,
        )
        coefficients = {names[k]: float(c) for k, c in zip(active, fit.coef, strict=True)}
        return coefficients, fit.intercept

    def _drop_wrong_signs(
        self,
        matrix: np.ndarray,
        target: np.ndarray,
        C: float,
        active: list[int],
        names: list[str],
        by_name: dict[str, SelectionEntry],
        start: LogisticFit | None,
    ) -> tuple[list[int], LogisticFit]:
        """Fit on WOE; drop any feature whose coefficient says higher WOE is riskier.

        With WOE = ln(share of goods / share of bads) and the target 1 = bad, every
        coefficient must be negative. A positive one means the feature's effect is
        explained away by others (collinearity): it is dropped, never silently kept,
        and the model is refitted without it.
        """
        active = list(active)
        fit = start
        while True:
            # Every column still in play means no copy of the (large) matrix.
            columns = matrix if len(active) == matrix.shape[1] else matrix[:, active]
            fit = fit_logistic(columns, target, C=C, start=fit)
            wrong = {k: c for k, c in zip(active, fit.coef, strict=True) if c >= 0}
            if not wrong:
                return active, fit
            worst = max(wrong, key=lambda k: wrong[k])
            entry = by_name[names[worst]]
            entry.selected = False
            entry.reason = (
                f"coefficient {wrong[worst]:+.4f} has the wrong sign given the other "
                "features (dropped, model refitted)"
            )
            # Warm start the refit from this fit, less the dropped feature.
            fit.coef = np.delete(fit.coef, active.index(worst))
            active.remove(worst)
            if not active:
                raise InputError(
                    "every feature's coefficient came out with the wrong sign: check that "
                    "the target marks bad outcomes with 1"
                )

    def _assign_points(self) -> None:
        """Integer points per bin: the model's log-odds, scaled and shared out evenly."""
        scaling = self.scaling_
        share = (scaling.offset - scaling.factor * self.intercept_) / len(self.features_)
        for feature in self.features_:
            for b in feature.binning.bins:
                b.points = whole_points(-scaling.factor * feature.coefficient * b.woe + share)

    # ------------------------------------------------------------------ scoring
    def _check_fitted(self) -> None:
        if not hasattr(self, "features_"):
            raise NotFittedError("this scorecard is not fitted: call fit(X, y) or load a model")

    @property
    def feature_names_(self) -> list[str]:
        self._check_fitted()
        return [f.name for f in self.features_]

    def raw_points(self, X: pd.DataFrame) -> np.ndarray:
        """Unclipped sum of points per row (int32)."""
        self._check_fitted()
        X = check_frame(X)
        require_columns(X, self.feature_names_)
        total = np.zeros(X.shape[0], dtype=np.int32)
        plan = self.__dict__.get("_plan")
        if plan is None or plan[0] is not self.features_:
            plan = self._plan = (self.features_, ScoringPlan.build(self.features_))
        plan[1].add_points(X, total)
        return total

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """The 350-950 score of every row (int32, higher is safer)."""
        raw = self.raw_points(X)
        scaling = self.scaling_
        # The raw sums are this call's own array: clipped in place, no copy.
        return np.clip(raw, scaling.score_min, scaling.score_max, out=raw)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of good and of bad per row, from the published score mapping."""
        raw = self.raw_points(X)
        bad = self.scaling_.probability_of_default(raw)
        return np.column_stack([1.0 - bad, bad])

    def points_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Points of every feature for every row, shape (rows, features), int32."""
        self._check_fitted()
        X = check_frame(X)
        require_columns(X, self.feature_names_)
        out = np.zeros((X.shape[0], len(self.features_)), dtype=np.int32)
        for j, feature in enumerate(self.features_):
            points = np.array([b.points for b in feature.binning.bins], dtype=np.int32)
            out[:, j] = points[feature.binning.bin_index(X[feature.name])]
        return out

    def woe_iv_tables(self) -> pd.DataFrame:
        """WOE/IV table of every candidate feature, bins in order."""
        self._check_fitted()
        return pd.concat([b.table() for b in self.binnings_.values()], ignore_index=True)


@dataclass(frozen=True)
class _WoeColumns:
    """Every row's WOE, held as its bin index and its bins' WOE values.

    The rows' values are gathered only where they are needed (a sample for the
    correlations, one matrix for the regression) rather than kept as a float column per
    feature: on a large sample those columns cost more time to allocate than to fill.
    """

    values: dict[str, np.ndarray]
    bin_index: dict[str, np.ndarray]

    def matrix(self, names: list[str], rows: slice, dtype: type = np.float64) -> np.ndarray:
        """The columns of ``names`` as one matrix, column-major so that each column is
        written in one contiguous pass."""
        n_rows = len(range(*rows.indices(self.bin_index[names[0]].shape[0])))
        matrix = np.empty((n_rows, len(names)), dtype=dtype, order="F")
        for k, name in enumerate(names):
            np.take(self.values[name].astype(dtype), self.bin_index[name][rows],
                    out=matrix[:, k])
        return matrix


