"""Overture conducts specialist AI agents toward a measurable marketing objective."""

from importlib.metadata import version as _version

from overture.objective import Objective

__version__ = _version("overture")

__all__ = ["Objective", "__version__"]
