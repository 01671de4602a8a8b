"""Optimizers: ``SGD`` (momentum, dampening, Nesterov, weight decay), ``Adam`` (AMSGrad), ``AdamW``,
``RMSprop`` (momentum, centered) and ``Adagrad``.

The updates follow PyTorch's published formulas exactly (``torch.optim.SGD``,
``Adam``, ``AdamW``, ``RMSprop`` and ``Adagrad``, with the same arguments,
defaults and ``maximize`` option), so a PyTorch training loop reads the same here::

    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()

Parameters are updated in place (``p.data`` keeps its array and dtype).
A parameter whose ``.grad`` is None is skipped; a ``.grad`` that is a Tensor
(after ``backward(create_graph=True)``) is read for its values only. ``param_groups`` is a list
of dicts, one per group, holding ``"params"`` and the hyperparameters, so
``for group in optimizer.param_groups: group["lr"] *= 0.5`` changes the
learning rate (``step()`` checks a changed value as the constructor does,
before anything moves); ``add_param_group`` adds a group. ``step(closure)``
calls ``closure`` (which recomputes the loss) first and returns its loss;
``optimizer.state[p]`` is parameter ``p``'s state, as in PyTorch. ``state_dict()``
is a flat ``{name: np.ndarray}`` dict that ``tg.save`` can write.
Learning-rate schedules are in ``tg.optim.lr_scheduler`` (``StepLR``,
``CosineAnnealingLR``, ``ReduceLROnPlateau``, ...).
"""

import math
import numbers
import operator
import re
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from ..engine import Tensor, enable_grad
from ..engine.methods.arguments import flag_argument
from ..nn.module import Module, zero_grads
from ..state_values import StateDictError, cast_like, numeric_array

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]


_INDEX = re.compile(r"0|[1-9][0-9]*")  # how state_dict() writes an index: ASCII only, no leading zeros
_SET_HINT = "; a set has no fixed order (parameters are numbered in order in state_dict), use a list"


def _number(optimizer, key, value, below=None):
    """``value`` as a float if it is a finite real number >= 0 (and < ``below``); otherwise a clear error.

    A 0-d array or Tensor of a real dtype counts as its number, as PyTorch takes ``lr=torch.tensor(0.1)``.
    """
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    elif isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {key} must be a number, got {value!r:.60} ({type(value).__name__})")
    try:
        number = float(value)
        shown = repr(number)
    except OverflowError:
        number, shown = math.inf, "an integer beyond the range of floats"
    if not (math.isfinite(number) and number >= 0 and (below is None or number < below)):
        wanted = "a finite number >= 0" if below is None else f"in [0, {below:g})"
        raise ValueError(f"{optimizer}: {key} must be {wanted}, got {shown}")
    return number


def _gradient_values(optimizer, grad, data):
    """``grad`` (a parameter's ``.grad``) as an ndarray for read-only use (a Tensor gradient's data; no copy).

    Every optimizer reads gradients through this one helper, so a ``.grad``
    that ``backward(create_graph=True)`` left as a Tensor steps exactly as an
    array would (the ``.grad`` setter admits only these two). A gradient that
    no longer fits the parameter's ``data`` (replaced since) is a clear error
    naming the optimizer.
    """
    values = grad._data if isinstance(grad, Tensor) else grad
    if values.shape != data.shape or values.dtype != data.dtype:
        raise ValueError(f"{type(optimizer).__name__}.step: a parameter of shape {data.shape} and dtype "
                         f"{data.dtype} has a .grad of shape {values.shape} and dtype {values.dtype} "
                         "(was its .data replaced after backward?); nothing was updated")
    return values


def _descended(grad, data, weight_decay, maximize):
    """The gradient an update descends, in torch.optim's order: negated for ``maximize``, plus the L2 term."""
    if maximize:
        grad = -grad
    if weight_decay:
        grad = grad + weight_decay * data
    return grad


def _check_params(where, group, suffix):
    """A TypeError unless ``group["params"]`` (of a dict ``group``) is still a list of Tensors."""
    params = group.get("params")
    if not isinstance(params, (list, tuple)) or not all(isinstance(p, Tensor) for p in params):
        raise TypeError(f"{where}: 'params' must be a list of Tensors, got {params!r:.60} (use "
                        f"add_param_group to add a group){suffix}")


class Optimizer:
    """Base class: holds parameter groups and per-parameter state; subclasses write ``_update`` (or ``step``).

    ``params`` is an iterable of Tensors (e.g. ``model.parameters()``), of
    ``(name, Tensor)`` pairs (``model.named_parameters()``: the group then
    keeps the names as ``"param_names"``, as PyTorch's does) or of dicts
    ``{"params": [...], "lr": ...}`` whose entries override the defaults for
    that group. ``defaults`` names the hyperparameters, any
    names, as for ``torch.optim.Optimizer``; ``lr`` and ``weight_decay``,
    where present, must be finite numbers >= 0. ``state`` maps each
    parameter to its dict of state arrays (``{}`` until it steps).
    """

    STATE_FIELDS = ()              # names of the per-parameter state arrays
    OPTIONAL_STATE_FIELDS = {}     # state arrays kept only when a flag hyperparameter is on: {field: flag}
    NONNEGATIVE_STATE_FIELDS = ()  # those that can never hold negative values
    LATER_HYPERPARAMETERS = {}     # hyperparameters an older state_dict may lack: {name: value it meant}

    def __init__(self, params, defaults):
        name = type(self).__name__
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        keys = tuple(self.defaults)
        # the hyperparameters of a group as a tuple, in the order of ``defaults`` (what ``_update`` receives)
        self._values_of = operator.itemgetter(*keys) if len(keys) > 1 else (lambda group: (group[keys[0]],))
        self._checked = []  # per group: the tuple of its values as last checked (step compares with ==)
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of Tensors "
                            "(e.g. model.parameters()), got a single Tensor; wrap it in a list")
        if isinstance(params, Module):
            raise TypeError(f"{name}: params is a {type(params).__name__} module; pass model.parameters()")
        if isinstance(params, Mapping):
            raise TypeError(f"{name}: params must be an iterable of Tensors or of parameter-group dicts, "
                            f"got a {type(params).__name__}; wrap one parameter group in a list: [{{'params': ...}}]")
        if isinstance(params, (str, bytes, set, frozenset)):
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. model.parameters()), "
                            f"got {type(params).__name__}" + _SET_HINT * isinstance(params, (set, frozenset)))
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. model.parameters()), "
                            f"got {type(params).__name__}") from None
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        dicts = [isinstance(group, dict) for group in groups]
        if any(dicts) and not all(dicts):
            index = dicts.index(not dicts[0])
            raise TypeError(f"{name}: params mixes Tensors and parameter-group dicts (item 0 is a "
                            f"{type(groups[0]).__name__}, item {index} a {type(groups[index]).__name__}); "
                            "pass either Tensors or dicts {'params': [...], ...}")
        if not dicts[0]:
            groups = [{"params": groups}]
        self.param_groups = []
        self.state = {}   # param -> {name: np.ndarray}, as in torch ({} until it steps: see the setter)
        seen = {}         # id(param) -> index of its group
        for group in groups:
            self._add_group(group, seen, name)

    def add_param_group(self, param_group):
        """Append a parameter group, as ``torch.optim.Optimizer.add_param_group``; all or nothing.

        ``param_group`` is a dict ``{"params": [...], "lr": ...}``: missing
        hyperparameters take the constructor's defaults. It gets the same
        checks as a group given to the constructor, and a parameter that is
        already in another group is refused. Errors name the optimizer and
        the new group (``"SGD.add_param_group: param group 2: ..."``); on an
        error nothing is added.
        """
        seen = {}
        for g, group in enumerate(self._groups(f"{type(self).__name__}.add_param_group")):
            params = group.get("params", ()) if isinstance(group, dict) else ()
            seen.update(dict.fromkeys(map(id, params if isinstance(params, (list, tuple)) else ()), g))
        self._add_group(param_group, seen, f"{type(self).__name__}.add_param_group")

    def _add_group(self, group, seen, op):
        """Check one parameter group (its params and hyperparameters) and append it to ``param_groups``.

        ``seen`` maps ``id(param)`` to the group already holding it. Errors
        name ``op`` and the group: ``"SGD: param group 1: ..."``.
        """
        g = len(self.param_groups)
        where = f"{op}: param group {g}"
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{where}: a parameter group must be a dict with a 'params' entry, got {group!r:.80}")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, Module):
            raise TypeError(f"{where}: 'params' is a {type(params).__name__} module; pass model.parameters()")
        elif isinstance(params, (str, bytes, set, frozenset, Mapping)):
            raise TypeError(f"{where}: 'params' must be a Tensor or a list of Tensors, got "
                            f"{type(params).__name__}" + _SET_HINT * isinstance(params, (set, frozenset)))
        else:
            try:
                params = list(params)
            except TypeError:
                raise TypeError(f"{where}: 'params' must be a Tensor or a list of Tensors, got "
                                f"{params!r:.60} ({type(params).__name__})") from None
        params, names = self._named(params, group, where)
        mine = {}
        for index, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{where}: parameter {index} is a {type(param).__name__}, expected a Tensor")
            if not param.is_leaf:
                raise ValueError(f"{where}: parameter {index} (shape {param.shape}) was made by an op "
                                 f"({param.grad_fn.name}); only leaf tensors can be optimized")
            if id(param) in mine:
                raise ValueError(f"{where}: parameter {index} (shape {param.shape}) is listed more than once "
                                 f"(also as parameter {mine[id(param)]})")
            if id(param) in seen:
                raise ValueError(f"{where}: parameter {index} (shape {param.shape}) is listed more than once "
                                 f"(also in param group {seen[id(param)]})")
            mine[id(param)] = index
        unknown = [key for key in group if key not in ("params", "param_names") and key not in self.defaults]
        if unknown:
            raise TypeError(f"{where}: unknown hyperparameter(s) {', '.join(map(repr, unknown))}; "
                            f"known: {sorted(self.defaults)}")
        full = dict(self.defaults)
        full.update(group)
        full["params"] = params
        if names is not None:
            full["param_names"] = names
        try:
            self._check_hyperparameters(full)
        except (TypeError, ValueError) as error:
            text = str(error)
            prefix = f"{type(self).__name__}: "
            raise type(error)(f"{where}: {text[len(prefix):] if text.startswith(prefix) else text}") from None
        seen.update(dict.fromkeys(mine, g))
        del self._checked[g:]
        self._checked.extend([None] * (g - len(self._checked)))  # groups appended by hand: checked in step
        self._checked.append(self._values_of(full))
        self.param_groups.append(full)

    def _named(self, params, group, where):
        """``(params, names)`` of a group: ``(name, Tensor)`` pairs (``named_parameters()``) split, as in PyTorch.

        ``names`` is None for a group without names. Every parameter of every
        group is named, or none is; a group dict may also name its Tensors
        in a ``'param_names'`` list.
        """
        pairs = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        names = group.get("param_names")
        if any(pairs):
            if not all(pairs):
                index = pairs.index(False)
                raise ValueError(f"{where}: parameter {index} has no name while others are (name, Tensor) pairs; "
                                 "give every parameter a name (model.named_parameters()) or none "
                                 "(model.parameters())")
            if names is not None:
                raise ValueError(f"{where}: the parameters are (name, Tensor) pairs and 'param_names' is given "
                                 "too; give the names one way")
            names = [name for name, _ in params]
            params = [param for _, param in params]
        elif names is not None:
            if (not isinstance(names, (list, tuple)) or len(names) != len(params)
                    or not all(isinstance(name, str) for name in names)):
                raise TypeError(f"{where}: 'param_names' must be a list of {len(params)} strings, one per "
                                f"parameter, got {names!r:.60}")
            names = list(names)
        named = [("param_names" in other) for other in self.param_groups]
        if named and named[0] != (names is not None):
            raise ValueError(f"{where}: is {'without' if names is None else 'with'} parameter names, but the "
                             f"groups before it are {'with' if named[0] else 'without'}; name the parameters "
                             "of every group (named_parameters()) or of none")
        return params, names

    def _check_hyperparameters(self, group):
        """Check the hyperparameters in ``group`` and store them normalized (floats, pairs as tuples).

        Raises ``TypeError`` (not a number) or ``ValueError`` (out of range)
        naming the optimizer, the hyperparameter and the value.
        """
        name = type(self).__name__
        for key in ("lr", "weight_decay"):
            if key in group:  # (a subclass may have neither, as torch.optim.Optimizer allows)
                group[key] = _number(name, key, group[key])

    def _groups(self, op):
        """``param_groups``, which must still be a list (or tuple) of groups; a ``TypeError`` naming ``op`` if not."""
        groups = self.param_groups
        if not isinstance(groups, (list, tuple)):
            raise TypeError(f"{op}: param_groups must be a list of parameter-group dicts, got {groups!r:.60} "
                            f"({type(groups).__name__}); use add_param_group to add a group")
        return groups

    @property
    def state(self):
        """``{param: {name: array}}``; a parameter's entry is ``{}`` until it steps, as in PyTorch."""
        return self._state

    @state.setter
    def state(self, value):
        """Replace the state with a dict (``{}`` resets it; kept as a ``defaultdict(dict)``); anything else is refused."""
        if not isinstance(value, Mapping):
            raise TypeError(f"{type(self).__name__}: state must be a dict {{parameter: {{name: array}}}}, got "
                            f"{value!r:.60} ({type(value).__name__}); to reset the optimizer, assign "
                            "optimizer.state = {}")
        ready = type(value) is defaultdict and value.default_factory is dict
        self._state = value if ready else defaultdict(dict, value)

    @property
    def params(self):
        """All parameters of all groups, in order (the order ``state_dict`` numbers them)."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's ``.grad``: to None, or with ``set_to_none=False`` to zeros, as in PyTorch.

        Zeros are written into the existing gradient array in place (so
        ``g = p.grad`` stays ``p.grad``); a Tensor gradient (left by
        ``backward(create_graph=True)``) is replaced by a zero array.
        """
        op = f"{type(self).__name__}.zero_grad"
        self._groups(op)
        zero_grads(self.params, set_to_none, op)

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place; all or nothing. Returns ``closure()`` or None.

        ``closure``, as in ``torch.optim``, is a function that recomputes the
        loss (``zero_grad()``, forward, ``backward()``) and returns it; it is
        called first, with recording on (also under ``no_grad``), and its loss
        returned. Only the gradient's values are read (an array, or the data of
        a Tensor gradient); ``.grad`` itself is never changed. Every gradient,
        every hyperparameter changed in ``param_groups`` since it was last
        checked (as the constructor checks it), and the shape of every state
        array are checked before any parameter or state changes.
        """
        op = f"{type(self).__name__}.step"
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(f"{op}: closure must be a callable that returns the loss (or None), "
                                f"got {closure!r:.60} ({type(closure).__name__})")
            with enable_grad():
                loss = closure()
        groups = self._groups(op)
        if not self._unchanged(groups):
            self._recheck(groups)
        try:
            work = [(self._with_gradients(group), values) for group, values in zip(groups, self._checked)]
        except (TypeError, AttributeError):  # 'params' replaced by something else: the checks name it
            self._recheck(groups)
            raise
        for items, values in work:
            if items:
                self._update_group(items, values)
        return loss

    def _unchanged(self, groups):
        """Whether every group still holds the values checked last time (one tuple ``==`` each: cheap).

        An equal value, such as True for 1.0, steps as the checked one: the
        checked tuple is what ``_update_group`` receives.
        """
        if len(self._checked) != len(groups):
            return False
        values_of = self._values_of
        try:
            for group, values in zip(groups, self._checked):
                if values_of(group) != values:
                    return False
        except (KeyError, TypeError, ValueError):  # a key deleted, a group no dict, an array's ==
            return False
        return True

    def _recheck(self, groups):
        """Check every group as the constructor does (raising before anything moves) and keep the values."""
        checked = self._checked_groups(f"{type(self).__name__}.step")
        keys = tuple(self.defaults)
        for group, values in zip(groups, checked):  # store normalized values (lr=1 -> 1.0, betas list -> tuple)
            group.update(zip(keys, values))
        self._checked = checked

    def _with_gradients(self, group):
        """``(param, data, gradient values)`` of each parameter of ``group`` that has a gradient (checked).

        ``params`` replaced by anything other than a list raises ``TypeError`` (``step`` then names it):
        a Tensor would be iterated element by element, and nothing stepped.
        """
        items, params, state = [], group["params"], self.state
        if not isinstance(params, (list, tuple)):
            raise TypeError("'params' is no list")
        for param in params:
            grad = param._grad  # the fields, not the properties: -0.5% on (a+nn); a parameter is a leaf
            if grad is not None:
                data = param._data
                items.append((param, data, _gradient_values(self, grad, data)))
                fields = state.get(param)
                if fields:
                    self._check_state(param, data, fields)
        return items

    def _check_state(self, param, data, fields):
        """A ``ValueError`` unless every state array of ``param`` (but its step count) has ``data``'s shape."""
        for field, value in fields.items():
            if value.shape != data.shape and field != "step":
                index = next(i for i, p in enumerate(self.params) if p is param)
                raise ValueError(f"{type(self).__name__}.step: parameter {index} of shape {data.shape} has "
                                 f"state {field!r} of shape {value.shape} (was its .data replaced by one of "
                                 "another shape? a new optimizer starts afresh); nothing was updated")

    def _checked_groups(self, op, suffix="; nothing was updated"):
        """Every group's hyperparameters checked and normalized, as tuples (``_values_of``); changes nothing.

        A missing, mistyped or out-of-range value raises the constructor's
        error, prefixed with ``op`` and the group and followed by ``suffix``:
        ``"SGD.step: param group 1: lr must be a number, got None (NoneType);
        nothing was updated"``.
        """
        name, result = type(self).__name__, []
        for g, group in enumerate(self.param_groups):
            where = f"{op}: param group {g}"
            if not isinstance(group, dict):
                raise TypeError(f"{where}: a parameter group must be a dict, got {type(group).__name__}{suffix}")
            _check_params(where, group, suffix)
            missing = [key for key in self.defaults if key not in group]
            if missing:
                raise ValueError(f"{where}: hyperparameter(s) {', '.join(map(repr, missing))} missing "
                                 f"(use add_param_group to add a group){suffix}")
            values = {key: group[key] for key in self.defaults}
            try:
                self._check_hyperparameters(values)
            except (TypeError, ValueError) as error:
                text, prefix = str(error), f"{name}: "
                raise type(error)(f"{where}: {text[len(prefix):] if text.startswith(prefix) else text}"
                                  f"{suffix}") from None
            result.append(self._values_of(values))
        return result

    def _update_group(self, items, values):
        """Update the ``(param, data, grad)`` of one group in place; ``values``: its checked hyperparameters.

        ``values`` is a tuple in the order of ``defaults``. This calls
        ``_update`` for each parameter; an optimizer may override it to read
        the hyperparameters once per group.
        """
        state = self.state
        for param, data, grad in items:
            if not data.flags.writeable:
                param.data = data.copy()
            self._update(param, grad, state[param], values)

    def _update(self, param, grad, state, values):
        """Update one parameter in place from its gradient values and its ``state`` dict."""
        raise NotImplementedError

    # ------------------------------------------------------------ state
    def state_dict(self):
        """Hyperparameters and state as a flat dict of arrays, savable with ``tg.save``.

        Keys: ``param_groups.<g>.<hyperparameter>`` (0-d arrays; ``betas`` is a
        length-2 array) and ``state.<i>.<name>`` for parameter ``i`` in the
        order of ``params``. Arrays are copies. Parameter names
        (``param_names``) are not part of it: ``load_state_dict`` matches
        parameters by position, as PyTorch's does.
        """
        op = f"{type(self).__name__}.state_dict"
        result, groups, checked = {}, self._groups(op), self._checked
        try:  # the values as step() uses them: checked (an edit to a bad value is named here), normalized
            fresh = len(checked) == len(groups) and all(
                self._values_of(group) == values for group, values in zip(groups, checked))
        except (KeyError, TypeError, ValueError):
            fresh = False
        if fresh:
            for g, group in enumerate(groups):
                _check_params(f"{op}: param group {g}", group, "")
        for g, values in enumerate(checked if fresh else self._checked_groups(op, suffix="")):
            for key, value in zip(self.defaults, values):
                result[f"param_groups.{g}.{key}"] = np.array(value)
        for i, param in enumerate(self.params):
            for key, value in self.state.get(param, {}).items():
                result[f"state.{i}.{key}"] = np.array(value, copy=True)
        return result

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned (same optimizer type, same parameter shapes); all or nothing.

        The dict must hold every hyperparameter of every group, and state
        only for existing parameters (every field of it, in the parameter's
        shape and dtype). Each value is checked and converted first; any
        problem raises one ``StateDictError`` naming every offending key and
        leaves the optimizer exactly as it was. Loading ``{}`` is such an
        error, never a silent reset. A parameter without state in the dict
        starts afresh, as one that was never stepped.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}.load_state_dict: expected the dict that state_dict() returns, "
                            f"got {type(state_dict).__name__}")
        self._groups(f"{name}.load_state_dict")
        params, groups, state, problems = self.params, [{} for _ in self.param_groups], {}, []
        parsed = {}  # (kind, index, field) -> the key that named it
        for key, value in state_dict.items():
            try:
                kind, index, field = self._parse_key(key, len(groups), len(params))
            except ValueError as error:
                problems.append(f"{key!r:.80}: {error}" if not isinstance(key, str) else f"{key}: {error}")
                continue
            if (kind, index, field) in parsed:
                problems.append(f"{key}: names the same entry as {parsed[kind, index, field]!r}")
                continue
            parsed[kind, index, field] = key
            target = groups[index] if kind == "param_groups" else state.setdefault(index, {})
            try:
                target[field] = self._converted(kind, field, value, params[index] if kind == "state" else None)
            except ValueError as error:
                problems.append(f"{key}: {error}")
                target[field] = None  # named above; not reported again as missing
        for group in groups:  # a state_dict saved before these options existed: they were at these values
            for field, value in self.LATER_HYPERPARAMETERS.items():
                group.setdefault(field, value)
        missing = [f"param_groups.{g}.{field}" for g, group in enumerate(groups)
                   for field in self.defaults if field not in group]
        if missing:
            problems.append("missing keys: " + ", ".join(missing))
        for g, group in enumerate(groups):
            if set(group) == set(self.defaults) and None not in group.values():
                try:
                    self._check_hyperparameters(group)
                except (TypeError, ValueError) as error:
                    problems.append(f"param_groups.{g}: {error}")
        group_of = [g for g, group in enumerate(self.param_groups) for _ in group["params"]]
        for index, fields in state.items():
            needed = self._state_fields(groups[group_of[index]])
            if not set(needed) <= set(fields):
                problems.append(f"state.{index}: holds {sorted(fields)}, but {name} state needs all of "
                                f"{list(needed)}")
        if problems:
            raise StateDictError(f"{name}.load_state_dict failed, nothing was changed: " + " | ".join(problems))
        for group, loaded in zip(self.param_groups, groups):
            group.update(loaded)
        self._checked = [self._values_of(group) for group in self.param_groups]
        self.state = {params[index]: fields for index, fields in state.items()}

    def _state_fields(self, group):
        """The state arrays a parameter of ``group`` (checked hyperparameters) keeps once it has stepped."""
        return self.STATE_FIELDS + tuple(field for field, flag in self.OPTIONAL_STATE_FIELDS.items()
                                         if group.get(flag) is True)

    def _parse_key(self, key, group_count, param_count):
        """``(kind, index, field)`` of a key ``param_groups.<g>.<name>`` or ``state.<i>.<name>`` that fits."""
        parts = key.split(".") if isinstance(key, str) else []
        if len(parts) != 3 or parts[0] not in ("param_groups", "state"):
            raise ValueError("unexpected key (expected 'param_groups.<g>.<name>' or 'state.<i>.<name>')")
        if not _INDEX.fullmatch(parts[1]):
            raise ValueError(f"the index {parts[1]!r} is not a plain decimal number (ASCII digits 0-9, "
                             "no sign, no leading zeros), as state_dict() writes it")
        kind, index, field = parts[0], int(parts[1]), parts[2]
        if kind == "param_groups" and (index >= group_count or field not in self.defaults):
            raise ValueError(f"does not match this optimizer ({group_count} group(s), hyperparameters "
                             f"{sorted(self.defaults)})")
        if kind == "state" and index >= param_count:
            raise ValueError(f"names parameter {index}, but this optimizer has {param_count} parameters")
        if kind == "state" and field not in self.STATE_FIELDS and field not in self.OPTIONAL_STATE_FIELDS:
            optional = "".join(f", nor {flag}'s {field!r}" for field, flag in self.OPTIONAL_STATE_FIELDS.items())
            raise ValueError(f"is not {type(self).__name__} state (expected one of {list(self.STATE_FIELDS)})"
                             + optional)
        return kind, index, field

    def _converted(self, kind, field, value, param):
        """The value to store for one entry (hyperparameters are range-checked later); ``ValueError`` if bad.

        ``param`` is the parameter a state entry belongs to (None for hyperparameters).
        """
        array = numeric_array(value)
        if kind == "param_groups" and isinstance(self.defaults[field], tuple):
            count = len(self.defaults[field])
            if array.shape != (count,):
                raise ValueError(f"should hold {count} numbers, got shape {array.shape}")
            return tuple(item.item() for item in array)
        if kind == "param_groups":
            if array.size != 1:
                raise ValueError(f"should hold one number, got shape {array.shape}")
            return array.reshape(()).item()
        if field == "step":
            step = array.reshape(()).item() if array.size == 1 else None
            if isinstance(step, bool) or not isinstance(step, (int, float)) or not (
                    0 <= step <= 2**53 and float(step).is_integer()):
                raise ValueError(f"should hold one whole step count >= 0, got {array!r:.60}")
            return np.array(int(step), dtype=np.int64)
        converted = cast_like(array, param.dtype, param.shape)
        if field in self.NONNEGATIVE_STATE_FIELDS and (converted < 0).any():
            raise ValueError(f"holds negative values, but {field} is an average of squares (>= 0)")
        return converted

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"  group {g}: {len(group['params'])} parameter(s)")
            lines.extend(f"    {key}: {value}" for key, value in group.items()
                         if key not in ("params", "param_names"))
            if "param_names" in group:
                lines.append(f"    param_names: {', '.join(group['param_names'])}")
        return "\n".join(lines + [")"])


class SGD(Optimizer):
    """Stochastic gradient descent, ``torch.optim.SGD``'s update and arguments::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        if momentum:  buf = g on the first step, else momentum * buf + (1 - dampening) * g
                      g = g + momentum * buf  if nesterov  else  buf
        p = p - lr * g

    ``weight_decay`` here is the L2 gradient ``lambda * p`` (what
    ``0.5 * lambda * l2_penalty(params)`` in the loss would give).
    ``nesterov=True`` needs ``momentum > 0`` and ``dampening == 0``, as in
    PyTorch; ``maximize=True`` ascends the objective instead of descending it.
    """

    STATE_FIELDS = ("momentum_buffer",)
    LATER_HYPERPARAMETERS = {"dampening": 0.0, "maximize": False}

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        group["momentum"] = momentum = _number("SGD", "momentum", group["momentum"])
        group["dampening"] = dampening = _number("SGD", "dampening", group["dampening"])
        group["nesterov"] = nesterov = flag_argument(group["nesterov"], "nesterov", "SGD")
        group["maximize"] = flag_argument(group["maximize"], "maximize", "SGD")
        if nesterov and momentum <= 0:
            raise ValueError(f"SGD: nesterov=True needs momentum > 0, got momentum={momentum}")
        if nesterov and dampening != 0:
            raise ValueError(f"SGD: dampening must be 0 with nesterov=True (Nesterov momentum needs zero "
                             f"dampening, as in PyTorch), got dampening={dampening}")

    def _update_group(self, items, values):
        lr, momentum, dampening, weight_decay, nesterov, maximize = values  # read once per group
        state = self.state
        for param, data, grad in items:
            if not data.flags.writeable:
                param.data = data = data.copy()
            if maximize:
                grad = -grad
            if weight_decay:
                grad = grad + weight_decay * data
            if momentum:  # (without momentum SGD keeps no state, as in PyTorch)
                buffers = state[param]
                buffer = buffers.get("momentum_buffer")
                if buffer is None:
                    buffer = buffers["momentum_buffer"] = np.array(grad, copy=True)
                else:
                    buffer *= momentum
                    buffer += (1 - dampening) * grad if dampening else grad
                grad = grad + momentum * buffer if nesterov else buffer
            param.data -= lr * grad


class Adam(Optimizer):
    """Adam, ``torch.optim.Adam``'s update and arguments, with step count ``t`` starting at 1::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        if amsgrad:  v_max = max(v_max, v)   (elementwise, from 0; used instead of v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    ``weight_decay`` is added to the gradient (L2, as in ``torch.optim.Adam``),
    not decoupled as in AdamW. With ``amsgrad=True`` each parameter's state
    also holds ``max_exp_avg_sq`` (``v_max``).
    """

    STATE_FIELDS = ("step", "exp_avg", "exp_avg_sq")
    OPTIONAL_STATE_FIELDS = {"max_exp_avg_sq": "amsgrad"}
    NONNEGATIVE_STATE_FIELDS = ("exp_avg_sq", "max_exp_avg_sq")
    LATER_HYPERPARAMETERS = {"amsgrad": False, "maximize": False}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        name, betas = type(self).__name__, group["betas"]
        if not (isinstance(betas, (tuple, list)) or isinstance(betas, np.ndarray) and betas.ndim == 1):
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r:.60} ({type(betas).__name__})")
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {len(betas)} value(s): {betas!r:.60}")
        group["betas"] = tuple(_number(name, f"betas[{i}]", beta, below=1.0) for i, beta in enumerate(betas))
        group["eps"] = _number(name, "eps", group["eps"])
        group["amsgrad"] = flag_argument(group["amsgrad"], "amsgrad", name)
        group["maximize"] = flag_argument(group["maximize"], "maximize", name)

    def _update(self, param, grad, state, values):
        lr, (beta1, beta2), eps, weight_decay, amsgrad, maximize = values
        grad = _descended(grad, param.data, weight_decay, maximize)
        if "step" not in state:
            state["step"] = np.array(0, dtype=np.int64)
            state["exp_avg"] = np.zeros_like(param.data)
            state["exp_avg_sq"] = np.zeros_like(param.data)
        state["step"] += 1
        step = int(state["step"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if amsgrad:  # (from 0 also when amsgrad is switched on for a parameter that has stepped before)
            largest = state.get("max_exp_avg_sq")
            if largest is None:
                largest = state["max_exp_avg_sq"] = np.zeros_like(param.data)
            np.maximum(largest, exp_avg_sq, out=largest)
            exp_avg_sq = largest
        step_size = lr / (1 - beta1 ** step)
        denominator = np.sqrt(exp_avg_sq) / math.sqrt(1 - beta2 ** step) + eps
        param.data -= step_size * (exp_avg / denominator)


class AdamW(Adam):
    """AdamW, ``torch.optim.AdamW``'s update and arguments: Adam with the weight decay decoupled::

        p = p * (1 - lr * weight_decay)
        then Adam's update of p from the gradient alone (no weight_decay * p added to it)

    The decay shrinks every weight by the same factor each step, whatever
    its gradient's history; in ``Adam`` the L2 term is divided by
    ``sqrt(v)`` like the gradient, so weights with large gradients decay
    less. The default ``weight_decay`` is 0.01, as in PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)

    def _update(self, param, grad, state, values):
        lr, betas, eps, weight_decay, amsgrad, maximize = values
        if weight_decay:
            param.data *= 1 - lr * weight_decay
        super()._update(param, grad, state, (lr, betas, eps, 0.0, amsgrad, maximize))


class RMSprop(Optimizer):
    """RMSprop, ``torch.optim.RMSprop``'s update and arguments::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g**2                  (the running mean of squares, from 0)
        if centered:  a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a**2) + eps
        else:         d = sqrt(s) + eps
        if momentum:  buf = momentum * buf + g / d;  p = p - lr * buf
        else:         p = p - lr * g / d

    Each weight's step is divided by the root mean square of its recent
    gradients, so steep and flat directions move at similar speeds.
    ``centered`` divides by an estimate of the gradient's standard
    deviation instead (``s - a**2``, kept at 0 or above where rounding would
    make it negative). The state holds ``step``, ``square_avg``, and
    ``momentum_buffer`` (with momentum) and ``grad_avg`` (centered).
    """

    STATE_FIELDS = ("step", "square_avg")
    OPTIONAL_STATE_FIELDS = {"momentum_buffer": "momentum", "grad_avg": "centered"}
    NONNEGATIVE_STATE_FIELDS = ("square_avg",)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *,
                 maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        group["alpha"] = alpha = _number("RMSprop", "alpha", group["alpha"])
        if alpha > 1:
            raise ValueError(f"RMSprop: alpha must be in [0, 1] (the weight of the old mean of squares), got {alpha}")
        group["eps"] = _number("RMSprop", "eps", group["eps"])
        group["momentum"] = _number("RMSprop", "momentum", group["momentum"])
        group["centered"] = flag_argument(group["centered"], "centered", "RMSprop")
        group["maximize"] = flag_argument(group["maximize"], "maximize", "RMSprop")

    def _state_fields(self, group):
        return self.STATE_FIELDS + ("momentum_buffer",) * bool(group.get("momentum")) + (
            ("grad_avg",) if group.get("centered") is True else ())

    def _update(self, param, grad, state, values):
        lr, alpha, eps, weight_decay, momentum, centered, maximize = values
        grad = _descended(grad, param.data, weight_decay, maximize)
        if "step" not in state:
            state["step"] = np.array(0, dtype=np.int64)
            state["square_avg"] = np.zeros_like(param.data)
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if centered:
            grad_avg = state.get("grad_avg")
            if grad_avg is None:  # (from 0 also when centered is switched on later)
                grad_avg = state["grad_avg"] = np.zeros_like(param.data)
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0)) + eps
        else:
            denominator = np.sqrt(square_avg) + eps
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = np.zeros_like(param.data)
            buffer *= momentum
            buffer += grad / denominator
            param.data -= lr * buffer
        else:
            param.data -= lr * (grad / denominator)


class Adagrad(Optimizer):
    """Adagrad, ``torch.optim.Adagrad``'s update and arguments, with step count ``t`` starting at 1::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        sum = sum + g**2                                    (from initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)

    Each weight's steps shrink with the sum of all its squared gradients so
    far: weights that got large gradients slow down, rarely updated ones keep
    moving. The state holds ``step`` and ``sum``.
    """

    STATE_FIELDS = ("step", "sum")
    NONNEGATIVE_STATE_FIELDS = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        for key in ("lr_decay", "initial_accumulator_value", "eps"):
            group[key] = _number("Adagrad", key, group[key])
        group["maximize"] = flag_argument(group["maximize"], "maximize", "Adagrad")

    def _update(self, param, grad, state, values):
        lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize = values
        grad = _descended(grad, param.data, weight_decay, maximize)
        if "step" not in state:
            state["step"] = np.array(0, dtype=np.int64)
            state["sum"] = np.full_like(param.data, initial_accumulator_value)
        state["step"] += 1
        step_size = lr / (1 + (int(state["step"]) - 1) * lr_decay)
        total = state["sum"]
        total += grad * grad
        param.data -= step_size * (grad / (np.sqrt(total) + eps))


from . import lr_scheduler  # noqa: E402 - torch.optim.lr_scheduler's place; it needs Optimizer, defined above
