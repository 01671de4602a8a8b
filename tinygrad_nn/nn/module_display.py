"""How a module shows itself: the tree ``repr`` (PyTorch's layout) and Jupyter's collapsible HTML tree.

Every position is shown, so a module used at two places appears at both
(``(0)`` and ``(2)`` of a ``Sequential``), as in PyTorch; a module that
contains itself, further down, is shown as ``Name(<shown above>)``.

>>> import tinygrad_nn as tg
>>> print(tg.nn.Sequential(tg.nn.Linear(2, 1), tg.nn.Sigmoid()))
Sequential(
  (0): Linear(in_features=2, out_features=1, bias=True)
  (1): Sigmoid()
)
"""

from html import escape

__all__ = ["DisplayMethods"]

_SHOWN_ABOVE = "<shown above>"


class DisplayMethods:
    """``extra_repr``, ``__repr__`` and ``_repr_html_`` of ``Module``."""

    def extra_repr(self):
        """The text inside this module's parentheses in ``repr`` (e.g. ``in_features=3, ...``)."""
        return ""

    def __repr__(self):
        return _module_text(self, frozenset())

    def _repr_html_(self):
        """Jupyter: the same tree as ``repr``, each module with children a collapsible ``<details>``.

        Each line shows the child's name, its class with ``extra_repr()``, and
        its parameter count; a leaf also lists its own parameters' shapes.
        """
        return ('<div class="tinygrad-nn-module" style="font-family:monospace;font-size:12px">'
                + _module_html(self, None, frozenset()) + "</div>")


def _module_text(module, ancestors):
    kind = type(module).__name__
    if id(module) in ancestors:
        return f"{kind}({_SHOWN_ABOVE})"
    inner = ancestors | {id(module)}
    lines = [f"  ({name}): " + _module_text(child, inner).replace("\n", "\n  ")
             for name, child in module._child_positions()]
    extra = module.extra_repr()
    if not lines:
        return f"{kind}({extra})"
    if extra:
        lines.insert(0, "  " + extra.replace("\n", "\n  "))
    return f"{kind}(\n" + "\n".join(lines) + "\n)"


def _module_html(module, name, ancestors):
    """One module of ``_repr_html_``: a ``<details>`` around its children, or one line for a leaf."""
    label = (f"<b>({escape(name)})</b>: " if name is not None else "") + escape(type(module).__name__)
    if id(module) in ancestors:
        return f'<div style="margin-left:1.2em">{label}({escape(_SHOWN_ABOVE)})</div>'
    extra = module.extra_repr()
    children = module._child_positions()
    label += f"({escape(extra)})" if extra else ("" if children else "()")
    count = int(sum(tensor.size for tensor in module.parameters()))  # not num_parameters: PReLU's is its width
    own = [f"{escape(local)} {tuple(value.shape)}" for local, value in module._own_parameter_positions()]
    if count:
        counts = f"{count:,} parameter{'' if count == 1 else 's'}"
        if own:
            counts += (": " if not children else ", own: ") + ", ".join(own)
        label += f' <span style="color:#777">{counts}</span>'
    if not children:
        return f'<div style="margin-left:1.2em">{label}</div>'
    inner_ancestors = ancestors | {id(module)}
    inner = "".join(_module_html(child, child_name, inner_ancestors) for child_name, child in children)
    return f'<details open style="margin-left:1.2em"><summary>{label}</summary>{inner}</details>'
