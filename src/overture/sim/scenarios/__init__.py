"""The scenario files shipped with Overture (read with importlib.resources)."""

__all__: list[str] = []
