"""The kinds of timeline event there are: every Event subclass of the domain (R29), so a
webhook subscriber can name the ones it wants (R27) and a typo is refused, not silently empty."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import rescind.domain
from rescind.domain.events import Event


@cache
def known_event_kinds() -> frozenset[str]:
    """The class names of every event defined in rescind.domain, in whichever module."""
    for module in pkgutil.iter_modules(rescind.domain.__path__):
        importlib.import_module(f"rescind.domain.{module.name}")
    kinds, todo = set(), [Event]
    while todo:
        for subclass in todo.pop().__subclasses__():
            kinds.add(subclass.__name__)
            todo.append(subclass)
    return frozenset(kinds)
