"""The signal registry: signals register themselves, the pipeline asks the registry which apply.

Built-in signals are the modules of :mod:`unmask.signals` (each registers itself with
:func:`register_signal` when imported); other packages add signals through the ``unmask.signals``
entry-point group. Nothing else lists signals by name.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from importlib.metadata import entry_points
from typing import TypeVar

from unmask.errors import UnmaskError
from unmask.media.types import MediaKind
from unmask.signals.base import Signal

_INFRASTRUCTURE = {"base", "registry"}
_REGISTRY: dict[str, type[Signal]] = {}
_INSTANCES: dict[str, Signal] = {}
_LOCK = threading.Lock()
_loaded = False

S = TypeVar("S", bound=type[Signal])


def register_signal(cls: S) -> S:
    """Class decorator that adds a signal to the registry under ``cls.name``."""
    for attribute in ("name", "version", "applies_to", "description"):
        if not hasattr(cls, attribute):
            raise TypeError(f"signal {cls.__qualname__} lacks the class attribute {attribute!r}")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
        raise ValueError(f"two signals are named {cls.name!r}: {existing.__qualname__} and {cls.__qualname__}")
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    """Import every built-in signal module and every entry-point signal, once per process."""
    global _loaded
    if _loaded:
        return
    with _LOCK:
        if _loaded:
            return
        import unmask.signals as package

        for module in pkgutil.iter_modules(package.__path__):
            if module.name not in _INFRASTRUCTURE and not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        for entry in entry_points(group="unmask.signals"):
            loaded = entry.load()
            if isinstance(loaded, type) and issubclass(loaded, Signal):
                register_signal(loaded)
        _loaded = True


def signal_classes() -> list[type[Signal]]:
    """All registered signals, sorted by name."""
    _load()
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get_signal(name: str) -> Signal:
    """The shared instance of a signal (signals may hold loaded model weights, so build each once)."""
    _load()
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise UnmaskError(f"unknown signal {name!r}; registered signals: {known}")
    with _LOCK:
        if name not in _INSTANCES:
            _INSTANCES[name] = _REGISTRY[name]()
        return _INSTANCES[name]


def check_signal_names(names: tuple[str, ...]) -> None:
    """Raise :class:`UnmaskError` naming the first unknown signal (a typo on the command line)."""
    known = [cls.name for cls in signal_classes()]
    for name in names:
        if name not in known:
            raise UnmaskError(f"unknown signal {name!r}; registered signals: {', '.join(known)}")


def select_signals(kind: MediaKind, only: tuple[str, ...] | None = None, skip: tuple[str, ...] = ()) -> list[Signal]:
    """The signals to run on media of ``kind``: all that apply, or just ``only``, minus ``skip``."""
    names = [cls.name for cls in signal_classes()]
    check_signal_names((*(only or ()), *skip))
    chosen = [n for n in names if (only is None or n in only) and n not in skip]
    return [get_signal(n) for n in chosen if kind in _REGISTRY[n].applies_to]
