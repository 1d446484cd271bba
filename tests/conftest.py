"""Shared test settings."""

from hypothesis import HealthCheck, settings

# Compiled kernels make the first example slow; deadlines would flag compilation.
settings.register_profile(
    "credo", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.load_profile("credo")
