"""``tg.compile``: trace a function once, then run it as generated numpy code that a person can read.

The parts, in the order a call goes through them:

* ``step.py``: the callable ``tg.compile`` returns, its traces, the slow
  path that matches a call to a trace or makes a new one;
* ``tracing.py``: the eager run with every argument recorded, and what the
  engine reports while it runs (values read into Python, masks, modules);
* ``constants.py``: the order of the recorded nodes, and the second run on
  rolled arguments that catches values computed from them outside the ops;
* ``lowering.py``: the recorded graph as statements, op by op, each checked
  against the op on the traced values; ``sources.py`` says where each op's
  inputs come from, ``templates/`` writes the built-in ops, ``builder.py``
  and ``values.py`` hold the statements and their values;
* ``printing.py``: in-place choices, names, ``del``, the source text;
* ``program.py``: the source loaded and checked, the one graph node a call
  records, and the generated guard of later calls;
* ``engine_api.py``: the engine internals all of the above rely on.
"""

from .errors import CompileWarning, TraceError
from .step import Compiled, compile

__all__ = ["compile", "Compiled", "TraceError", "CompileWarning"]
