"""The error bands of a gradient check: the usual rule of thumb for the relative error
``|analytic - numerical| / max(|analytic|, |numerical|)``, counted beyond what the
central difference itself can resolve at the element (see ``compare.py``):

* above 1e-2 the gradient is probably **wrong**;
* between 1e-4 and 1e-2 it is **uncomfortable**: look closer;
* between 1e-7 and 1e-4 it is **acceptable where there are kinks**
  (ReLU, max, hinge), but too high for a smooth function;
* below 1e-7 it is **excellent**.
"""

import numpy as np

__all__ = ["error_band", "relative_error", "EXCELLENT", "BANDS"]

# a relative error at most this is "excellent"
EXCELLENT = 1e-7
BANDS = ((1e-2, "wrong"), (1e-4, "uncomfortable"), (EXCELLENT, "acceptable with kinks"))


def error_band(rel_error):
    """The band a relative error falls in: ``"wrong"``, ``"uncomfortable"``,
    ``"acceptable with kinks"`` or ``"excellent"``.

    >>> error_band(0.5), error_band(1e-3), error_band(1e-5), error_band(1e-9)
    ('wrong', 'uncomfortable', 'acceptable with kinks', 'excellent')
    """
    if rel_error is None or not np.isfinite(rel_error):
        return "wrong"
    for threshold, name in BANDS:
        if rel_error > threshold:
            return name
    return "excellent"


def relative_error(analytic, numerical):
    """``|a - n| / max(|a|, |n|)`` elementwise; 0 where both are 0, inf where only one is not finite."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        difference = np.abs(analytic - numerical)
        scale = np.maximum(np.abs(analytic), np.abs(numerical))
        rel = np.where(scale > 0, difference / np.where(scale > 0, scale, 1.0), 0.0)
        same = analytic == numerical                    # equal infinities match
        return np.where(same, 0.0, np.where(np.isnan(rel) | np.isnan(difference), np.inf, rel))
