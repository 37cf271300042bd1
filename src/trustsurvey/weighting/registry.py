"""One signature and one registry for every weighting method.

A weighting method is a function ``fn(design, data, targets, **options) -> WeightedDesign``:
it takes a :class:`~trustsurvey.design.Design`, the data it describes and
population targets (none for methods that need none, such as trimming) and
returns a :class:`~trustsurvey.weighting.WeightedDesign`: a *new* design that
remembers the weighting for variance estimation, and the step's
:class:`~trustsurvey.weighting.WeightingResult`.

Methods register themselves with :func:`register`; :func:`apply` runs one by
name (the questionnaire's ``weighting.method`` and the command line use it).

Examples
--------
>>> from trustsurvey.weighting import available_methods
>>> available_methods()
('calibrate', 'nonresponse', 'poststratify', 'rake', 'trim')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

import pandas as pd

from ..design import Design
from ..errors import WeightingError
from .diagnostics import WeightedDesign

__all__ = ["WeightingFunction", "WeightingMethod", "register", "get_method", "available_methods", "apply"]


class WeightingFunction(Protocol):
    """The shared signature: ``fn(design, data, targets, **options) -> WeightedDesign``."""

    def __call__(self, design: Design, data: pd.DataFrame, targets: Any, /,
                 **options: Any) -> WeightedDesign: ...


@dataclass(frozen=True)
class WeightingMethod:
    """A registered weighting method.

    Attributes
    ----------
    name : str
        Registry name (``"rake"``).
    function : callable
        ``fn(design, data, targets, **options) -> WeightedDesign``.
    takes_targets : bool
        Whether the method needs population targets.
    summary : str
        One line for help texts.
    """

    name: str
    function: Callable[..., WeightedDesign]
    takes_targets: bool = True
    summary: str = ""


_REGISTRY: dict[str, WeightingMethod] = {}


def register(name: str, *, takes_targets: bool = True, summary: str = "") -> Callable:
    """Decorator: register ``fn`` as weighting method ``name``."""

    def decorate(fn: Callable) -> Callable:
        _REGISTRY[name] = WeightingMethod(name=name, function=fn, takes_targets=takes_targets,
                                          summary=summary or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return decorate


def available_methods() -> tuple[str, ...]:
    """Names of the registered methods, sorted."""
    return tuple(sorted(_REGISTRY))


def get_method(name: str) -> WeightingMethod:
    """The registered method ``name``.

    Raises
    ------
    WeightingError
        If no method has that name (the message lists the known ones).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise WeightingError(f"weighting method {name!r} is not known; choose one of "
                             f"{', '.join(available_methods())}") from None


def apply(name: str, design: Design, data: pd.DataFrame, targets: Any = None,
          **options: Any) -> WeightedDesign:
    """Run the weighting method ``name`` on a design and its data.

    >>> import pandas as pd, trustsurvey as ts
    >>> from trustsurvey.weighting import apply
    >>> df = pd.DataFrame({"g": ["a", "a", "b"], "w": [1.0, 1.0, 1.0]})
    >>> apply("poststratify", ts.Survey(df, weights="w").design, df, {"g": {"a": 10, "b": 20}}).design.weights.tolist()
    [5.0, 5.0, 20.0]
    """
    method = get_method(name)
    if method.takes_targets:
        if targets is None:
            raise WeightingError(f"weighting method {name!r} needs population targets")
        return method.function(design, data, targets, **options)
    if targets is not None:
        raise WeightingError(f"weighting method {name!r} takes no targets (got {type(targets).__name__})")
    return method.function(design, data, **options)
