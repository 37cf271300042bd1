"""One signature and one registry for every weighting method.

A weighting method is a function ``fn(survey, targets, **options) -> Survey``:
it takes a :class:`~trustsurvey.Survey` and population targets (``None`` for
methods that need none, such as trimming) and returns a *new* Survey whose
design remembers the weighting for variance estimation and whose
``attrs["weighting"]`` holds a :class:`~trustsurvey.weighting.WeightingResult`.

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
from typing import TYPE_CHECKING, Any, Callable, Protocol

from ..errors import WeightingError

if TYPE_CHECKING:  # pragma: no cover
    from ..survey import Survey

__all__ = ["WeightingFunction", "WeightingMethod", "register", "get_method", "available_methods", "apply"]


class WeightingFunction(Protocol):
    """The shared signature: ``fn(survey, targets, **options) -> Survey``."""

    def __call__(self, survey: "Survey", targets: Any, /, **options: Any) -> "Survey": ...


@dataclass(frozen=True)
class WeightingMethod:
    """A registered weighting method.

    Attributes
    ----------
    name : str
        Registry name (``"rake"``).
    function : callable
        ``fn(survey, targets, **options) -> Survey``.
    takes_targets : bool
        Whether the method needs population targets.
    summary : str
        One line for help texts.
    """

    name: str
    function: Callable[..., "Survey"]
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


def apply(name: str, survey: "Survey", targets: Any = None, **options: Any) -> "Survey":
    """Run the weighting method ``name`` on ``survey``.

    >>> import pandas as pd, trustsurvey as ts
    >>> from trustsurvey.weighting import apply
    >>> s = ts.Survey(pd.DataFrame({"g": ["a", "a", "b"], "w": [1.0, 1.0, 1.0]}), weights="w")
    >>> apply("poststratify", s, {"g": {"a": 10, "b": 20}}).weights.tolist()
    [5.0, 5.0, 20.0]
    """
    method = get_method(name)
    if method.takes_targets:
        if targets is None:
            raise WeightingError(f"weighting method {name!r} needs population targets")
        return method.function(survey, targets, **options)
    if targets is not None:
        raise WeightingError(f"weighting method {name!r} takes no targets (got {type(targets).__name__})")
    return method.function(survey, **options)
