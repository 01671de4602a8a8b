"""The errors and warnings of ``tg.compile``."""

__all__ = ["TraceError", "CompileWarning"]


class TraceError(RuntimeError):
    """A function cannot be traced faithfully.

    Raised while tracing when the function's Python code depends on tensor
    values (``bool(t)``, ``t.item()``, ``if t > 0:``), enters ``no_grad()``,
    or indexes with a mask computed from its inputs (a data-dependent shape);
    and on a call that the trace does not fit when retracing is turned off.
    """


class CompileWarning(UserWarning):
    """Something about a compiled function that is probably not what was meant (e.g. retracing on every call)."""
