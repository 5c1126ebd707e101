"""The AIPP ("AI Hub") port: environment-file schema and the chart that composes the library.

Everything AIPP-specific lives here; the constructs in :mod:`aipp_constructs` know nothing
of AIPP and are reusable for other vendors' Compose packages. ``AippChart`` is imported on
first use, so that reading environment files (``aipp images``) does not
start jsii and Node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import EnvironmentConfig, load_environment

__all__ = ["AippChart", "EnvironmentConfig", "load_environment"]


def __getattr__(name: str) -> Any:
    if name == "AippChart":
        from .chart import AippChart

        return AippChart
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .chart import AippChart
