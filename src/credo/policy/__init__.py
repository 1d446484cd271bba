"""Policy in one place: score bands, and later benefits and permitted purposes."""

from credo.policy.bands import BAND_NAMES, BANDS, Band, band_of, bands_of

__all__ = ["BANDS", "BAND_NAMES", "Band", "band_of", "bands_of"]
