"""``tg.compile``: trace a function once, then run it as generated numpy code that a person can read.

The parts, in the order a call goes through them:

* ``step.py``: the callable ``tg.compile`` returns, the guard that matches a
  call to a trace, the one graph node a call records;
* ``tracing.py``: the eager run with every argument recorded, and what the
  engine reports while it runs (values read into Python, masks, modules);
* ``lowering.py``: the recorded graph as statements, op by op, each checked
  against the op on the traced values; ``templates/`` writes the built-in ops;
* ``printing.py``: in-place choices, names, ``del``, the source text;
* ``engine_api.py``: the engine internals all of the above rely on.
"""

from .errors import CompileWarning, TraceError
from .step import Compiled, compile

__all__ = ["compile", "Compiled", "TraceError", "CompileWarning"]
