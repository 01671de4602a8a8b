"""Wide fan-in: a node with many inputs keeps its first and last ones; the middle is drawn as boxes.

``tg.stack`` of 400 tensors, ``l2_penalty`` of 200 weights, a sum over a
batch of independent chains: one drawn node (op or folded module) has
hundreds of inputs side by side, and the picture becomes tens of thousands
of pixels wide. When a node has more than ``max_inputs`` drawn inputs, its
first and last ``keep`` inputs stay as they are and the inputs between them
fold, one box per kind of input that repeats:

* **leaves** (``×396 leaves (3,) float64``; parameters name the first and
  last one), when nothing else uses them;
* **copies of shared tensors** (``ghost`` copies, see ``sharing``);
* **branches**: the ops that only feed this input (``×296 Mul → Tanh``,
  with the leaves only they use); a tensor a branch reads from outside
  (an input ``x`` of every branch) keeps one edge into the box.

Inputs that repeat no kind, or a middle with still too many kinds, fold
into one box that counts them. Tensors used elsewhere are never folded.
"""

import heapq
from collections import Counter

from .annotations import counts_text, shape_text

KIND_WORDS = {"leaf": "leaves", "parameter": "parameters", "ghost": "copies of shared tensors",
              "branch": "branches"}
MAX_NAMED_STEPS = 8   # a branch of at most this many steps is named step by step (``Mul → Tanh``)

__all__ = ["fold_fan_in"]


class _Input:
    """One drawn input of a wide node: what it is (``signature``), what it absorbs, how it is named."""

    def __init__(self, signature, text, pairs, units=(), leaves=(), names=()):
        self.signature, self.text = signature, text
        self.pairs = pairs          # (entry, op) uses this input stands for
        self.units = list(units)    # branch units absorbed
        self.leaves = list(leaves)  # leaf entries absorbed
        self.names = list(names)    # names to quote (first and last)


def _shape(entry):
    return shape_text(entry.shape, entry.dtype)


def _leaf_input(entry, pairs, names):
    name = names.get(id(entry.tensor)) or entry.name
    kind = "parameter" if id(entry.tensor) in names else "leaf"
    word = "parameters" if kind == "parameter" else "leaves"
    return _Input((kind, entry.shape, str(entry.dtype)), f"{word} {_shape(entry)}", pairs, leaves=[entry],
                  names=[name] if name else [])


def _branch(entry, unit_of, index_of, is_private_leaf):
    """The units that feed ``entry`` and nothing else (in walk order), and the leaves only they read.

    Walked upwards from the producer in decreasing walk order, so every user
    of a unit is decided before the unit itself.
    """
    start = unit_of[entry.producer.key]
    inside, queue, seen = {}, [(-index_of[start.key], start)], {start.key}
    while queue:
        _, unit = heapq.heappop(queue)
        users = {unit_of[op.key].key for out in unit.outputs for op in out.consumers}
        if unit is not start and (not users <= inside.keys() or any(out.is_root for out in unit.outputs)):
            continue
        inside[unit.key] = unit
        for source, _ in unit.inputs:
            if source.producer is not None:
                before = unit_of[source.producer.key]
                if before.key not in seen:
                    seen.add(before.key)
                    heapq.heappush(queue, (-index_of[before.key], before))
    units = sorted(inside.values(), key=lambda unit: index_of[unit.key])
    leaves, seen_leaves = [], set()
    for unit in units:
        for source, _ in unit.inputs:
            if (source.producer is None and source.key not in seen_leaves and is_private_leaf(source)
                    and {unit_of[op.key].key for op in source.consumers} <= inside.keys()):
                seen_leaves.add(source.key)
                leaves.append(source)
    return units, leaves


def _is_chain(units, unit_of):
    """True when each unit of a branch (in walk order) reads the one before it and no other unit of the branch."""
    keys = [unit.key for unit in units]
    for index, unit in enumerate(units):
        made_inside = {unit_of[source.producer.key].key for source, _ in unit.inputs
                       if source.producer is not None and unit_of[source.producer.key].key in keys}
        if made_inside != ({keys[index - 1]} if index else set()):
            return False
    return True


def _branch_input(entry, pairs, unit_of, index_of, is_private_leaf, member_name):
    units, leaves = _branch(entry, unit_of, index_of, is_private_leaf)
    members = [member_name(unit) for unit in units]
    if len(members) <= MAX_NAMED_STEPS and _is_chain(units, unit_of):
        text = " → ".join(members)
    else:
        word = "steps" if _is_chain(units, unit_of) else "ops"
        text = f"branches of {len(members)} {word} ({counts_text(Counter(members))})"
    signature = ("branch", tuple(members), tuple(_shape(leaf) for leaf in leaves), entry.shape, str(entry.dtype))
    return _Input(signature, text, pairs, units, leaves)


def _inputs_of(unit, unit_of, index_of, sharing, names, member_name):
    """The distinct drawn inputs of ``unit`` in order, each an ``_Input`` (None: never folded)."""
    by_key, order = {}, []
    for entry, op in unit.inputs:
        if entry.key in sharing.constants:
            continue
        ghost = sharing.is_ghost_use(entry, op)
        key = (entry.key, "ghost") if ghost else entry.key
        if key in by_key:
            if by_key[key] is not None:
                by_key[key].pairs.append((entry, op))
            continue
        order.append(key)
        users = {unit_of[user.key].key for user in entry.consumers}
        if ghost:
            name = names.get(id(entry.tensor)) or entry.name
            by_key[key] = _Input(("ghost", entry.shape, str(entry.dtype)), f"copies of shared tensors {_shape(entry)}",
                                 [(entry, op)], names=[name] if name else [])
        elif entry.is_root or users != {unit.key} or sharing.is_per_use(entry):
            by_key[key] = None
        elif entry.producer is None:
            by_key[key] = _leaf_input(entry, [(entry, op)], names)
        else:
            by_key[key] = _branch_input(entry, [(entry, op)], unit_of, index_of,
                                        lambda leaf: not sharing.is_per_use(leaf), member_name)
    return [by_key[key] for key in order]


def _boxes(middle, max_inputs, kept):
    """Lists of ``_Input`` to fold into one box each: repeated kinds, or everything when still too wide."""
    kinds = {}
    for item in middle:
        if item is not None:
            kinds.setdefault(item.signature, []).append(item)
    boxes = [items for items in kinds.values() if len(items) >= 2]
    folded = sum(len(items) for items in boxes)
    if kept + len(middle) - folded + len(boxes) > max_inputs:
        foldable = [item for item in middle if item is not None]
        boxes = [foldable] if len(foldable) >= 2 else []
    return boxes


def _describe(items, names):
    """``×396 leaves (3,) float64`` for one kind, ``396 inputs`` for a mix; with the names to quote."""
    texts = Counter(item.text for item in items)
    if len(texts) == 1:
        head = f"×{len(items):,} {items[0].text}"
        details = []
        named_steps = items[0].units and len(items[0].units) <= MAX_NAMED_STEPS
    else:
        head = f"{len(items):,} inputs"
        if len(texts) <= 3:
            details = [counts_text(texts)]
        else:
            words = Counter(KIND_WORDS[item.signature[0]] for item in items)
            details = [f"{', '.join(f'{count:,} {word}' for word, count in words.items())} "
                       f"({len(texts):,} different kinds)"]
        named_steps = False
    named = [name for item in items for name in item.names]
    if named:
        details.insert(0, named[0] if len(named) == 1 else f"{named[0]} … {named[-1]}")
    parameters = [leaf for item in items if item.units for leaf in item.leaves if id(leaf.tensor) in names]
    if parameters:
        first, last = names[id(parameters[0].tensor)], names[id(parameters[-1].tensor)]
        details.append(f"{len(parameters):,} parameters: {first} … {last}" if len(parameters) > 1 else first)
    leaves = [leaf for item in items if item.units for leaf in item.leaves if id(leaf.tensor) not in names]
    if leaves:
        shapes = {_shape(leaf) for leaf in leaves}
        details.append(f"from {len(leaves):,} lea{'f' if len(leaves) == 1 else 'ves'}"
                       + (f" {shapes.pop()}" if len(shapes) == 1 else ""))
    return head, details, named_steps


def _drawn_input_count(unit, sharing):
    """How many distinct inputs ``unit`` has side by side (what ``_inputs_of`` lists, without walking branches)."""
    return len({(entry.key, sharing.is_ghost_use(entry, op)) for entry, op in unit.inputs
                if entry.key not in sharing.constants})


def fold_fan_in(plan, units, unit_of, sharing, names, member_name, max_inputs, keep=2):
    """Fold the middle inputs of every drawn unit with more than ``max_inputs`` of them (see module docstring)."""
    index_of = {unit.key: index for index, unit in enumerate(units)}
    absorbed = set()
    for unit in reversed(units):     # the last wide node first: a branch folded there is not looked at again
        if unit.key in absorbed or _drawn_input_count(unit, sharing) <= max_inputs:
            continue     # counted first: branches are walked only for a wide node
        inputs = _inputs_of(unit, unit_of, index_of, sharing, names, member_name)
        if len(inputs) <= max_inputs:
            continue
        middle = inputs[keep:len(inputs) - keep]
        for items in _boxes(middle, max_inputs, len(inputs) - len(middle)):
            group = plan.new_group("inputs", unit.chain if unit.group is None else unit.group.chain)
            group.consumer = member_name(unit)
            group.folded_inputs = len(items)
            group.total_inputs = len(inputs)
            group.head, group.details, group.named_steps = _describe(items, names)
            replaced = set()
            for item in items:
                for entry, op in item.pairs:
                    plan.folded_inputs[(entry.key, op.key)] = group
                for leaf in item.leaves:
                    plan._absorb(leaf.key, group)
                for member in item.units:
                    absorbed.add(member.key)
                    plan.absorb_unit(member, group, replaced)
            plan.replace_groups(replaced, group)
            plan.inputs_folded.append(group)
