"""Lowering: the traced graph as the statements of a generated forward and backward.

The nodes are visited in ``topological_order``. Each built-in op is written
by its template (``templates/``), checked at once against the op itself on
the traced values (the op's forward, and its backward on a made-up upstream
gradient); any other op, or a template that disagrees, becomes a call of the
op's own ``forward``/``backward``. The backward visits the nodes in reverse,
reduces and casts each gradient as ``engine/backward.py`` does, adds up the
gradients of values used more than once, and skips every node that no input
needing a gradient flows through.
"""

import re
import warnings

import numpy as np

from ..nn import Module, scope_path
from . import engine_api
from .builder import Function, renumber
from .constants import ordered_nodes
from .errors import CompileWarning, TraceError
from .sources import Sources
from .templates import TEMPLATES, Decline, NodeBuilder
from .values import Literal, Value, dtype_text, python_text

__all__ = ["Lowering", "same_values", "snake"]

def snake(name):
    """``LogSoftmax`` -> ``log_softmax``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def same_values(a, b):
    """Bitwise the same array (NaN equal to NaN; the sign of zero counts)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return type(a) is type(b) and np.array_equal(a, b, equal_nan=True)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.tobytes() == b.tobytes():
        return True
    if a.dtype.kind not in "fc":
        return False
    return bool(np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b)))


class _Mismatch(Exception):
    """A template computed something else than its op on the traced values."""


class Lowering:
    """Builds the forward and backward ``builder.Function`` of one trace (see the module docstring)."""

    def __init__(self, trace, leaves, what, use_templates=True):
        self.trace, self.what = trace, what
        self.use_templates = use_templates
        self.namespace = engine_api.namespace()
        self.forward = Function(self.namespace)
        self.backward = Function(self.namespace)
        self.sources = Sources(trace, leaves, self.forward, self.namespace)
        self.slots, self.requires = self.sources.slots, self.sources.requires
        self.constant_tensors = self.sources.constant_tensors  # captured Tensors without gradient, by id
        self.node_values = self.sources.node_values
        self.builders = {}                 # node -> (template or None, NodeBuilder or ctx Value, operands, targets)
        self._scope_comment = None

    # ------------------------------------------------------------------ naming
    def name_of(self, node, template):
        """``(hint, rank)`` for the output of ``node``: the user's variable, the tensor's name, or module + op."""
        local = self.trace.local_names.get(node)
        if local:
            return local, 0
        if node.output_name:
            return node.output_name, 1
        path = scope_path(node.scope)
        if path[:1].isdigit():  # a Sequential's child: layer0_affine rather than a name starting with a digit
            path = "layer" + path
        op = (template.label if template is not None else None) or snake(node.function.__name__)
        return (f"{path}_{op}" if path else op), 2

    def _comment_for(self, node):
        """Put the module path of ``node`` above its first statement when it differs from the previous one.

        Ops outside any module get no comment, unless they follow a module's ops
        (then the comment names the function).
        """
        if node is None:
            return
        modules = [owner for owner in node.scope if isinstance(owner, Module)]
        if modules:
            path = scope_path(node.scope)
            text = f"{path} ({type(modules[-1]).__name__})" if path else type(modules[-1]).__name__
        else:
            text = self.what[len("compile("):-1] if self._scope_comment else None
        if text != self._scope_comment:
            self._scope_comment = text
            self._current.comment = text

    # ----------------------------------------------------------------- forward
    def lower(self):
        """Lower the whole trace; returns ``self`` with ``output``, ``upstream`` and ``gradients`` set."""
        output = self.trace.output
        nodes = ordered_nodes(self.trace, self.what)
        self._current = self.forward
        with np.errstate(all="ignore"):  # the eager run warned already; replays warn again
            for node in nodes:
                self._lower_forward(node)
            self.output, output_target = self.sources.resolve(output.grad_fn or output)
            if self.output.rank >= 2:  # no name of the user's: a scalar is the loss, anything else the output
                self.output.hint, self.output.rank = ("loss" if self.output.shape == () else "out"), 2
            if not self.output.is_array:  # a leaf or constant number (a function returning its argument)
                self.output = self.forward.emit("np.asarray({0})", self.output, hint="out", rank=2)
            self._current = self.backward
            self._scope_comment = None
            try:  # in the order engine/backward.py walks, so gradients add up in the same order
                self._lower_backward(engine_api.backward_order(output.grad_fn) if output.grad_fn else [],
                                     output_target)
            except Exception as error:  # an op's backward failed on the traced values: it would fail in backward()
                if hasattr(error, "add_note"):
                    error.add_note(f"(raised by the first call of {self.what}, which runs every op's backward "
                                   "once on the traced values to generate the compiled backward)")
                raise
        return self

    def _lower_forward(self, node):
        resolved = [self.sources.resolve(source) for source in node.sources]
        operands = [value for value, _ in resolved]
        targets = [target for _, target in resolved]
        needs = tuple(target is not None and self.requires.get(target, False) for target in targets)
        self.requires[node] = any(needs)
        kwargs = {key: self.sources.resolve_option(option) for key, option in node.kwargs.items()}
        template = TEMPLATES.get(node.function) if self.use_templates else None
        hint, rank = self.name_of(node, template)
        self._comment_for(node)
        if template is not None:
            mark = self.forward.mark()
            try:
                builder = self._templated_forward(template, node, operands, needs, kwargs, hint, rank)
            except TraceError:
                raise
            except Exception as reason:  # Decline: not written out; anything else: the template is wrong here
                self.forward.rollback(mark)
                if not isinstance(reason, Decline):
                    problem = reason if isinstance(reason, _Mismatch) else f"{type(reason).__name__}: {reason}"
                    warnings.warn(f"{self.what}: the code template of {node.name} disagrees with "
                                  f"{node.name}.forward/backward on the traced values ({problem}); the compiled "
                                  "code calls the op itself there", CompileWarning, stacklevel=4)
            else:
                self.builders[node] = (template, builder, builder.operands, targets)
                return
        self._fallback_forward(node, operands, needs, kwargs, hint, rank, targets)

    def _templated_forward(self, template, node, operands, needs, kwargs, hint, rank):
        if template.literals:
            operands = [self.sources.literal(operand, operands) for operand in operands]
        builder = NodeBuilder(node, needs, hint, rank, kwargs, self.sources, self.what)
        builder.operands = operands
        builder.function = self.forward
        rng_states = engine_api.generator_states(node.kwargs) if template.random else None
        out = self.forward.as_array(template.forward(builder, *operands))
        out.hint, out.rank = hint, rank
        builder.out = out
        self.node_values[node] = out
        # the same computation by the op itself, on the same arrays
        arrays = [operand.array if isinstance(operand, Literal) else operand.sample for operand in operands]
        if rng_states is not None:
            engine_api.restore_generators(rng_states)
        reference_ctx = engine_api.new_context(node.function, needs, node.kwargs)
        reference = engine_api.run_forward(node.function, reference_ctx, arrays, node.kwargs)
        if not same_values(out.sample, reference):
            raise _Mismatch("forward")
        if any(needs):
            self._check_backward(template, builder, node, reference_ctx, operands, arrays, needs, reference)
        return builder

    def _check_backward(self, template, builder, node, reference_ctx, operands, arrays, needs, reference):
        """Run the template's backward and the op's on one made-up upstream gradient; raise if they differ."""
        if reference.dtype.kind == "f":
            upstream = np.random.default_rng(0).standard_normal(reference.shape).astype(reference.dtype)
        else:
            upstream = np.ones(reference.shape, dtype=reference.dtype)
        scratch = Function(self.namespace)
        grad = Value("dout", 0, "input", upstream.copy())
        grad.home = scratch
        builder.function, builder.prefix = scratch, "d"
        returned = template.backward(builder, grad, *operands)
        builder.function, builder.prefix = self.forward, ""
        returned = returned if type(returned) is tuple else (returned,)
        expected = engine_api.run_backward_of(node.function, reference_ctx, upstream.copy(), len(arrays))
        for index, (mine, need) in enumerate(zip(returned, needs)):
            if not need:
                continue
            theirs = engine_api.conform(node.function, expected, index, np.shape(arrays[index]),
                                        np.asarray(arrays[index]).dtype, upstream)
            mine = self._conformed(scratch, node, mine, arrays[index], grad)
            if not same_values(mine.sample, theirs):
                raise _Mismatch(f"the gradient of input {index}")

    def _fallback_forward(self, node, operands, needs, kwargs, hint, rank, targets):
        op = self.sources.namespace_name(node.function, node.function.__name__)
        values = []
        options = ", ".join(f"{key}={self._option_text(option, values)}" for key, option in kwargs.items())
        context_text = f"new_context({op}, {needs!r}" + (f", dict({options}))" if options else ")")
        ctx = self.forward.emit(context_text, *values, hint=f"{hint}_ctx", rank=3, fresh=False)
        inputs = [operand if isinstance(operand, Value) else self.sources.constant(operand.array, "constant")
                  for operand in operands]
        arguments = "".join(f", {{{i + 1}}}" for i in range(len(inputs))) + (", **{0}.kwargs" if kwargs else "")
        out = self.forward.emit(f"{op}.forward({{0}}{arguments})", ctx, *inputs, hint=hint, rank=rank, fresh=False)
        if not out.is_array:
            out.hint, out.rank = f"{hint}_result", 3
            out = self.forward.emit(f"as_array({{0}}, {node.function.__name__!r})", out, hint=hint, rank=rank)
        self.node_values[node] = out
        self.builders[node] = (None, ctx, inputs, targets)

    def _option_text(self, option, values):
        """An option as text for the generated code; Values in it become placeholders."""
        if isinstance(option, (Value, Literal)):
            values.append(option)
            return f"{{{len(values) - 1}}}"
        if isinstance(option, (tuple, list)):
            parts = [self._option_text(item, values) for item in option]
            text = ", ".join(parts) + ("," if isinstance(option, tuple) and len(parts) == 1 else "")
            return f"({text})" if isinstance(option, tuple) else f"[{text}]"
        text = python_text(option)
        if text is None:
            values.append(self.sources.constant(option, "option"))
            return f"{{{len(values) - 1}}}"
        return text

    # ---------------------------------------------------------------- backward
    def _lower_backward(self, nodes, output_target):
        upstream = Value("d" + self.output.hint, self.output.rank, "input",
                         np.ones(self.output.shape, dtype=self.output.dtype))
        upstream.home = self.backward
        self.upstream = upstream
        grads = {}
        if output_target is not None and self.requires.get(output_target, False):
            grads[output_target] = upstream
        for node in nodes:
            grad = grads.pop(node, None)
            if grad is None:
                continue
            self._comment_for(node)
            template, builder, operands, targets = self.builders[node]
            mark = len(self.backward.statements)
            if template is not None:
                builder.function, builder.prefix = self.backward, "d"
                returned = template.backward(builder, grad, *operands)
                returned = returned if type(returned) is tuple else (returned,)
                returned = [None if mine is None or not need else
                            self._conformed(self.backward, node, mine, self._array_of(operand), grad)
                            for mine, need, operand in zip(returned, builder.needs, operands)]
            else:
                returned = self._fallback_backward(node, builder, grad, operands, targets)
            for target, contribution in zip(targets, returned):
                if contribution is not None and target is not None and self.requires.get(target, False):
                    self._accumulate(grads, target, contribution, returned, mark)
        self.gradients = [grads.get(slot.value) if slot.requires_grad else None for slot in self.slots]

    @staticmethod
    def _array_of(operand):
        return operand.array if isinstance(operand, Literal) else operand.sample

    def _fallback_backward(self, node, ctx, grad, operands, targets):
        op = self.sources.namespace_name(node.function, node.function.__name__)
        returned = self.backward.emit(f"backward_of({op}, {{0}}, {{1}}, {len(operands)})", ctx, grad,
                                      hint=f"d{ctx.hint[:-4]}_grads", rank=3, fresh=False)
        result = []
        for index, (operand, target) in enumerate(zip(operands, targets)):
            if target is None or not self.requires.get(target, False):
                result.append(None)
                continue
            shape, dtype = operand.shape, operand.dtype
            result.append(self.backward.emit(
                f"conform({op}, {{0}}, {index}, {shape!r}, {self._dtype_text(dtype)}, {{1}})", returned, grad,
                hint=f"d{ctx.hint[:-4]}_{index}", rank=3, fresh=False))
        return result

    def _dtype_text(self, dtype):
        return dtype_text(dtype) or self.sources.namespace_name(np.dtype(dtype), "dtype")

    def _conformed(self, function, node, grad, array, upstream):
        """``grad`` reduced to ``array``'s shape and cast to its dtype, as ``engine/backward.py`` does."""
        shape, dtype = np.shape(array), np.asarray(array).dtype
        grad = function.as_array(grad) if grad.kind == "temp" and grad.home is function else \
            (grad if grad.is_array else function.emit("np.asarray({0})", grad, hint=grad.hint))
        if grad.dtype != dtype:
            if grad.dtype.kind != "f" or grad.dtype != upstream.dtype:
                raise _Mismatch(f"a gradient of dtype {grad.dtype} for an input of dtype {dtype}")
            grad = function.emit(f"{{0}}.astype({self._dtype_text(dtype)})", grad, hint=grad.hint)
        if grad.shape != shape:
            extra = len(grad.shape) - len(shape)
            if extra < 0 or any(size not in (1, grad.shape[extra + i]) for i, size in enumerate(shape)):
                raise _Mismatch(f"a gradient of shape {grad.shape} for an input of shape {shape}")
            stretched = tuple(i for i, size in enumerate(shape) if size != grad.shape[extra + i])
            if extra:
                axes = "0" if extra == 1 else python_text(tuple(range(extra)))
                text = f"{{0}}.sum(axis={axes})"
                grad = function.emit(f"np.asarray({text})" if not shape else text, grad, hint=grad.hint)
            if stretched:
                grad = function.emit(f"{{0}}.sum(axis={python_text(stretched)}, keepdims=True)", grad,
                                     hint=grad.hint)
        return grad

    def _accumulate(self, grads, target, contribution, returned, mark):
        """Add ``contribution`` (made by statements from ``mark`` on) to the gradient of ``target``.

        The first contribution is the gradient itself, named after ``target``
        (``dW1``); later ones are added, the expression that made a
        contribution written into the addition when nothing else reads it
        (``dW1 += X.T @ dhidden``).
        """
        value = target if isinstance(target, Value) else self.node_values[target]
        hint, rank = "d" + value.hint, value.rank
        statements = self.backward.statements
        position = self._made_since(contribution, mark)
        previous = grads.get(target)
        if previous is None:
            if position is not None or (contribution.kind == "temp" and rank < contribution.rank):
                contribution.hint, contribution.rank, contribution.grad_of = hint, rank, value
            grads[target] = contribution
            return
        statement = contribution.statement
        if (position is not None and not statement.mutates and statement.context is None
                and sum(item is contribution for item in returned) == 1
                and not any(contribution in later.operands for later in statements[position + 1:])):
            del statements[position]  # its expression goes into the addition: dW1 += X.T @ dhidden
            if statement.comment:     # the module comment stays where the module's statements start
                if position < len(statements):
                    statements[position].comment = statements[position].comment or statement.comment
                else:
                    self.backward.comment = self.backward.comment or statement.comment
            inner = renumber(statement.text, 1)
            total = self.backward.emit(f"{{0}} + ({inner})", previous, *statement.operands, hint=hint, rank=rank,
                                       inplace=[(0, f"{{0}} += {inner}")])
        else:
            total = self.backward.emit("{0} + {1}", previous, contribution, hint=hint, rank=rank,
                                       inplace=[(0, "{0} += {1}")])
        total.grad_of = value
        grads[target] = total

    def _made_since(self, value, mark):
        """The index of the statement that made ``value`` if it is at or after ``mark``, else None."""
        statements = self.backward.statements
        for index in range(len(statements) - 1, mark - 1, -1):
            if statements[index].target is value:
                return index
        return None
