"""Textual's ``@work``, without the price of its default description.

``textual.work`` describes each worker as its call, ``repr`` of every argument included, and
does it on the caller's thread as the worker starts. The explorer's workers take job lists,
fleets of 10,000 jobs, whole exported texts: a ``repr`` of megabytes on the event loop for a
string nobody reads (40 ms for the 1,000 jobs of a cached start). Here the description is the
method's name unless one is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual import work as textual_work

__all__ = ["work"]

_F = TypeVar("_F", bound=Callable[..., Any])


def work(**options: Any) -> Callable[[_F], _F]:
    """``@work(...)`` as Textual's, the description the method's qualified name."""

    def decorate(method: _F) -> _F:
        described = {"description": method.__qualname__, **options}
        return textual_work(method, **described)  # type: ignore[return-value]

    return decorate
