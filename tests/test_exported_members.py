"""The public surface is deliberate: every package lists exactly what it exports."""

import importlib
import pkgutil

import overture


def test_top_level_all_is_sorted_and_complete() -> None:
    public = sorted(name for name in overture.__all__ if not name.startswith("__"))
    assert public == sorted(public)
    for name in overture.__all__:
        assert hasattr(overture, name), name


def test_every_module_declares_all_and_it_resolves() -> None:
    for module_info in pkgutil.walk_packages(overture.__path__, prefix="overture."):
        if module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{module_info.name} has no __all__"
        for name in exported:
            assert hasattr(module, name), f"{module_info.name}.__all__ names missing {name}"
