"""One registry shape for every "pick it by name" choice: detectors, embedders, metrics, sources, presets.

Entries register with a decorator in their own module. Modules listed in `modules` are imported
on the first lookup, so naming a registry does not import torch or OpenCV; an entry-point
`group` lets other packages add entries without curator knowing them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, modules: Iterable[str] = (), group: str | None = None) -> None:
        self._entries: dict[str, T] = {}
        self._modules = tuple(modules)
        self._group = group

    def register(self, name: Any) -> Any:
        """`@registry.register("name")` above a factory, or `registry.register(entry)` for an entry with a `.name`."""
        if isinstance(name, str):
            def add(entry: T) -> T:
                self._entries[name] = entry
                return entry
            return add
        self._entries[name.name] = name
        return name

    def _load(self) -> None:
        for module in self._modules:
            importlib.import_module(module)

    def _plugins(self) -> dict[str, Any]:
        if not self._group:
            return {}
        from importlib import metadata  # only for a lookup: a process that names no plug-in never pays its import

        return {ep.name: ep for ep in metadata.entry_points(group=self._group)}

    def names(self) -> list[str]:
        self._load()
        return sorted(set(self._entries) | set(self._plugins()))

    def get(self, name: str) -> T | None:
        """The entry registered as `name` (a plug-in's loaded object), or None: the caller words the error."""
        self._load()
        if name in self._entries:
            return self._entries[name]
        plugin = self._plugins().get(name)
        return plugin.load() if plugin is not None else None

    def entries(self) -> dict[str, T]:
        """The registered entries (plug-ins not loaded), in registration order."""
        self._load()
        return dict(self._entries)
