"""Lazy re-exports (PEP 562): a package names its public objects without importing them.

``import chatcode`` and ``chatcode --help`` then load only what they use; scipy, statsmodels,
matplotlib and textual are imported by the first function that needs them.

>>> __getattr__, __dir__ = exports(__name__, {"agreement": "chatcode.reliability.agreement"})
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping


class LazyPackage(types.ModuleType):
    """A package whose exported names are never replaced by its submodules.

    ``chatcode.ingest`` and ``chatcode.engagement.latency`` are functions that share their
    name with a module. Importing that module (``from chatcode.engagement.latency import
    QUANTILE_METHODS``) sets it as an attribute of its package; with eager re-exports the
    function was bound afterwards and won, so here the module is simply not bound."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and name in self.__dict__.get("_exports", ()):
            return
        super().__setattr__(name, value)


def exports(package: str, names: Mapping[str, str]
            ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``: each name in ``names`` is
    imported from the module it maps to on first access, then kept in the package."""
    module = sys.modules[package]
    module._exports = dict(names)
    module.__class__ = LazyPackage

    def __getattr__(name: str) -> object:
        source = names.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
