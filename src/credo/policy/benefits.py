"""Benefits policy: what each score band unlocks, read from a TOML file.

The default ships with the package (``benefits.toml``); ``CREDO_BENEFITS`` names another
file. The file is checked when loaded: every band present, no unknown band or key,
numbers in range, so a typo never silently changes what people are offered.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from credo.errors import ConfigError
from credo.policy.bands import BAND_NAMES, BANDS, band_of

DEFAULT_PATH = Path(__file__).with_name("benefits.toml")
_KEYS = {"credit_line_multiple", "deposit_waiver", "instalments"}


@dataclass(frozen=True)
class BandBenefits:
    credit_line_multiple: float
    deposit_waiver: bool
    instalments: bool


@dataclass(frozen=True)
class BenefitsPolicy:
    deposit_waiver_min_score: int
    bands: dict[str, BandBenefits]

    def for_score(self, score: int) -> dict[str, Any]:
        band = band_of(score)
        out = asdict(self.bands[band])
        # The explicit threshold wins over the band flag, so both cannot disagree.
        out["deposit_waiver"] = score >= self.deposit_waiver_min_score
        return {"band": band, **out}


def parse(data: dict[str, Any], where: str = "benefits policy") -> BenefitsPolicy:
    extra = set(data) - {"deposit_waiver_min_score", "bands"}
    if extra:
        raise ConfigError(f"{where}: unknown keys {sorted(extra)}; remove them")
    low, high = BANDS[0].low, BANDS[-1].high
    threshold = data.get("deposit_waiver_min_score")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not (
        low <= threshold <= high
    ):
        raise ConfigError(f"{where}: deposit_waiver_min_score must be an integer {low}-{high}")
    bands = data.get("bands")
    if not isinstance(bands, dict) or set(bands) != set(BAND_NAMES):
        raise ConfigError(f"{where}: [bands] must have exactly {', '.join(BAND_NAMES)}")
    parsed: dict[str, BandBenefits] = {}
    for name, spec in bands.items():
        if not isinstance(spec, dict) or set(spec) != _KEYS:
            raise ConfigError(f"{where}: band {name!r} needs exactly {sorted(_KEYS)}")
        mult = spec["credit_line_multiple"]
        if not isinstance(mult, int | float) or isinstance(mult, bool) or not 0 <= mult <= 20:
            raise ConfigError(f"{where}: {name}.credit_line_multiple must be a number 0-20")
        if not all(isinstance(spec[k], bool) for k in ("deposit_waiver", "instalments")):
            raise ConfigError(f"{where}: {name}: deposit_waiver and instalments are true/false")
        parsed[name] = BandBenefits(float(mult), spec["deposit_waiver"], spec["instalments"])
    return BenefitsPolicy(threshold, parsed)


def load(path: Path | None = None) -> BenefitsPolicy:
    path = path or DEFAULT_PATH
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the benefits policy ({error})") from None
    return parse(data, str(path))


@lru_cache(maxsize=4)
def _cached(path: str) -> BenefitsPolicy:
    return load(Path(path))


def current() -> BenefitsPolicy:
    """The policy in force: ``CREDO_BENEFITS`` if set, else the shipped default."""
    return _cached(os.environ.get("CREDO_BENEFITS") or str(DEFAULT_PATH))
