"""The AIPP ("AI Hub") port: environment-file schema and the chart that composes the library.

Everything AIPP-specific lives here; the constructs in :mod:`aipp_constructs` know nothing
of AIPP and are reusable for other vendors' Compose packages.
"""

from __future__ import annotations

from .chart import AippChart
from .config import EnvironmentConfig, load_environment

__all__ = ["AippChart", "EnvironmentConfig", "load_environment"]
