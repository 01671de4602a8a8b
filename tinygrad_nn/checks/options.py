"""``CheckOptions``: how a gradient check is run, in one object passed through ``checks/``."""

import math
import numbers
from dataclasses import dataclass

from .formatting import format_number

__all__ = ["CheckOptions", "options_for", "MODES", "EXACT_LIMIT"]

MODES = ("auto", "exact", "fast")
# auto mode checks inputs up to this many elements element by element; larger ones by projections
EXACT_LIMIT = 1024


@dataclass(frozen=True)
class CheckOptions:
    """The settings of one check (``tg.gradcheck`` and ``tg.check_graph`` take them as keywords).

    ``eps``: the step of the central differences; ``atol``, ``rtol``: an element
    passes when ``|analytic - numerical| <= atol + rtol * |numerical|`` (plus the
    rounding noise of the difference); ``mode``: ``"auto"``, ``"exact"`` or
    ``"fast"``; ``elementwise``: None (detect), True or False (declared);
    ``nudge``: re-check with kink elements moved off their kinks; ``seed``: of the
    random upstream gradient, directions and sample points.
    """

    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3
    mode: str = "auto"
    elementwise: object = None
    nudge: bool = False
    seed: int = 0

    def __post_init__(self):
        if not isinstance(self.mode, str) or self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not (_is_number(self.eps) and _finite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be a positive number (the step of the central differences), got {format_number(self.eps)}")
        for name in ("atol", "rtol"):
            value = getattr(self, name)
            if not (_is_number(value) and value >= 0 and (_finite(value) or value == math.inf)):
                raise ValueError(f"{name} must be a number >= 0, got {format_number(value)}")
        if not any(self.elementwise is allowed for allowed in (None, True, False)):
            raise ValueError(f"elementwise must be None (detect), True or False, got {self.elementwise!r:.40}")
        if not isinstance(self.nudge, bool):
            raise ValueError(f"nudge must be True or False, got {self.nudge!r:.40}")
        if not (isinstance(self.seed, numbers.Integral) and not isinstance(self.seed, bool) and self.seed >= 0):
            raise ValueError(f"seed must be an int >= 0, got {self.seed!r:.40}")

    def tolerance(self, numerical):
        """``atol + rtol * |numerical|``: what an element may differ by (before rounding noise)."""
        return self.atol + self.rtol * abs(numerical)

    def describe(self):
        """``eps=1e-06, atol=1e-05, rtol=0.001``, as reports show it."""
        return f"eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}"


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def options_for(caller, **values):
    """``CheckOptions(**values)``; a bad value raises ValueError naming ``caller`` (``"gradcheck: ..."``)."""
    try:
        return CheckOptions(**values)
    except ValueError as error:
        raise ValueError(f"{caller}: {error}") from None


def _finite(number):
    try:
        return math.isfinite(number)
    except OverflowError:  # a Python int beyond float range
        return False
