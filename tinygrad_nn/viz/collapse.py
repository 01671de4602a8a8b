"""Which recorded tensors and ops are folded into one drawn node, and why.

Two kinds of folding keep big graphs readable:

* **depth**: every op made deeper than ``depth`` modules down is folded into
  one node per module at level ``depth + 1`` (with that module's private
  tensors: its parameters and internal results);
* **chains**: a long run of drawn steps (ops, or modules already folded) in
  which each result feeds only the next step keeps its first and last
  ``keep`` steps. The middle becomes one node. When the steps repeat a short
  pattern, as an unrolled loop does, the node says so: ``×2,498 Mul → Tanh``
  (whole repetitions only; the steps left over are drawn). Otherwise it
  counts what it folded (``Mul x40, Add x37``). No module tree is needed:
  the pattern is read from the recorded ops.

A constant or a spread leaf (see ``sharing``) used by a step counts as part
of that step, so a loop that multiplies by the same number or weight at
every step still folds.
"""

from collections import Counter

from .annotations import counts_text
from .calls import module_calls
from .fan_in import fold_fan_in
from .wiring import wire

__all__ = ["plan_within", "rows_allowed", "counts_text", "Group", "repetition"]

MAX_PERIOD = 8   # the longest repeating pattern of steps a chain box names


class Group:
    """One drawn node standing for several recorded ones."""

    def __init__(self, key, kind, chain, module_cluster=None):
        self.key = key
        self.kind = kind                    # "module", "chain" or "inputs" (see fan_in)
        self.chain = chain                  # the cluster keys it is drawn inside
        self.module_cluster = module_cluster
        self.op_names = Counter()
        self.members = Counter()            # chains: what each folded step was (op or module type)
        self.member_kinds = Counter()       # chains: how many steps were ops, how many modules
        self.pattern = None                 # chains: the names of one repetition, when the steps repeat
        self.repeats = 0                    # chains: how many whole repetitions were folded
        self.module_cluster_object = None
        self.consumer = None                # inputs: the drawn node they feed (its op or module name)
        self.folded_inputs = 0              # inputs: how many drawn inputs the box stands for
        self.total_inputs = 0               # inputs: how many the node had
        self.head, self.details = "", []    # inputs: the box's first line and the lines under it
        self.named_steps = False            # inputs: the first line names each step of the branches folded

    @property
    def op_count(self):
        """How many recorded ops this node stands for."""
        return sum(self.op_names.values())

    @property
    def steps(self):
        """How many drawn steps a chain folded."""
        return sum(self.members.values())

    def describe(self):
        """``×2,498 Mul → Tanh`` or ``97 steps (Linear x49, ReLU x48)`` for a chain; the module's type otherwise."""
        if self.kind == "module":
            return type(self.module_cluster_object).__name__
        if self.kind == "inputs":
            return self.head
        if self.pattern:
            return f"×{self.repeats:,} {' → '.join(self.pattern)}"
        return f"{self.steps:,} steps ({counts_text(self.members)})"


class Plan:
    """``group_of`` maps a recorded key (``t3``, ``op5``) to the Group that absorbs it."""

    def __init__(self, depth, chains_shortened):
        self.depth = depth
        self.chains_shortened = chains_shortened
        self.group_of = {}
        self.groups = []
        self.folded_inputs = {}     # (tensor key, op key) -> the "inputs" Group that stands for that use
        self.inputs_folded = []     # the "inputs" Groups, in the order they were made
        self._made = 0

    def new_group(self, kind, chain, module_cluster=None):
        """A new Group with a key unique in this plan (``g0``, ``g1``... in the order they are made)."""
        group = Group(f"g{self._made}", kind, chain, module_cluster)
        self._made += 1
        self.groups.append(group)
        return group

    def representative(self, key):
        """The drawn node key of a recorded key (itself, or its group)."""
        group = self.group_of.get(key)
        return key if group is None else group.key

    def _absorb(self, key, group):
        self.group_of[key] = group

    def absorb_unit(self, member, group, replaced):
        """Fold a unit's ops and outputs into ``group``; the id of the group it was drawn in goes into ``replaced``."""
        for op in member.ops:
            group.op_names[op.node.function.__name__] += 1
            self._absorb(op.key, group)
        for entry in member.outputs:
            self._absorb(entry.key, group)
        if member.group is not None:
            replaced.add(id(member.group))

    def replace_groups(self, replaced, group):
        """Draw everything the groups whose ids are in ``replaced`` held in ``group`` instead, and drop them."""
        if replaced:
            for key, old in list(self.group_of.items()):
                if id(old) in replaced:
                    self.group_of[key] = group
            self.groups = [old for old in self.groups if id(old) not in replaced]


def _is_private_leaf(entry, names, sharing):
    """A leaf that may disappear into the node of the only step or module that uses it."""
    return entry.producer is None and (id(entry.tensor) in names or sharing.is_per_use(entry))


def _fold_depth(plan, graph, depth):
    by_call = {}
    calls = module_calls(graph, depth)
    for op in graph.ops:
        if len(op.clusters) <= depth:
            continue
        cluster = op.clusters[depth]
        group = by_call.get(calls[op.key])
        if group is None:
            group = plan.new_group("module", op.clusters[:depth], cluster)
            group.module_cluster_object = op.node.scope[depth]
            by_call[calls[op.key]] = group
        group.op_names[op.node.function.__name__] += 1
        plan._absorb(op.key, group)


def _absorb_tensors(plan, graph, names, sharing):
    for entry in graph.tensors:
        if entry.is_root or not entry.consumers:
            continue
        groups = {id(plan.group_of.get(op.key)) for op in entry.consumers}
        if len(groups) != 1:
            continue
        group = plan.group_of.get(entry.consumers[0].key)
        if group is None:
            continue
        if entry.producer is not None:
            if plan.group_of.get(entry.producer.key) is group:
                plan._absorb(entry.key, group)
        elif _is_private_leaf(entry, names, sharing):
            plan._absorb(entry.key, group)


class _Unit:
    """A node of the drawing that does work: one unfolded op or one folded module."""

    __slots__ = ("key", "ops", "group", "chain", "inputs", "outputs")

    def __init__(self, key, group, chain):
        self.key, self.group, self.chain = key, group, chain
        self.ops, self.inputs, self.outputs = [], [], []   # inputs: (entry, op using it)


def _units(plan, graph):
    """The drawn units in walk order, with the visible tensors each one consumes and produces."""
    units, unit_of = {}, {}
    for op in graph.ops:
        group = plan.group_of.get(op.key)
        key = op.key if group is None else group.key
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(key, group, op.clusters if group is None else group.chain)
        unit.ops.append(op)
        unit_of[op.key] = unit
    for unit in units.values():
        for op in unit.ops:
            for entry in op.inputs:
                if entry.key not in plan.group_of and not (
                        entry.producer is not None and unit_of[entry.producer.key] is unit):
                    unit.inputs.append((entry, op))
            if op.output.key not in plan.group_of:
                unit.outputs.append(op.output)
    return list(units.values()), unit_of


def _next_in_chain(unit, unit_of, names, sharing):
    """The unit that alone consumes ``unit``'s one visible result, when the two belong in one chain."""
    if len(unit.outputs) != 1:
        return None
    out = unit.outputs[0]
    if out.is_root:
        return None
    consumers = {id(unit_of[op.key]) for op in out.consumers}
    if len(consumers) != 1:
        return None
    following = unit_of[out.consumers[0].key]
    if following is unit or following.chain != unit.chain:
        return None
    if sum(1 for entry, _ in following.inputs if entry is out) != 1:
        return None
    for entry, op in following.inputs:
        if entry is out or sharing.is_ghost_use(entry, op):
            continue
        if not (entry.producer is None and not sharing.is_per_use(entry) and
                {id(unit_of[user.key]) for user in entry.consumers} == {id(following)}):
            return None
    return following


def _member_name(unit):
    if unit.group is None:
        return unit.ops[0].node.function.__name__
    if unit.group.kind == "module":
        return type(unit.group.module_cluster_object).__name__
    return unit.group.describe()


def repetition(names):
    """``(period, repeats)`` of the shortest pattern ``names`` repeats at least twice, or None."""
    for period in range(1, min(MAX_PERIOD, len(names) // 2) + 1):
        if all(names[i] == names[i + period] for i in range(len(names) - period)):
            return period, len(names) // period
    return None


def _fold_run(plan, middle, sharing):
    chain = plan.new_group("chain", middle[0].chain)
    inside = {op.key for member in middle for op in member.ops}
    replaced = set()
    for member in middle:
        chain.members[_member_name(member)] += 1
        chain.member_kinds["op" if member.group is None else "module"] += 1
        plan.absorb_unit(member, chain, replaced)
        for entry, _ in member.inputs:
            if entry.producer is None and not sharing.is_per_use(entry) and all(
                    user.key in inside for user in entry.consumers):
                plan._absorb(entry.key, chain)
    plan.replace_groups(replaced, chain)
    return chain



def _fold_chains(plan, graph, names, sharing, keep):
    units, unit_of = _units(plan, graph)
    following_of, has_previous = {}, set()
    for unit in units:
        following = _next_in_chain(unit, unit_of, names, sharing)
        if following is not None:
            following_of[unit.key] = following
            has_previous.add(following.key)
    for unit in units:
        if unit.key in has_previous or unit.key not in following_of:
            continue
        run = [unit]
        while run[-1].key in following_of:
            run.append(following_of[run[-1].key])
        if len(run) <= 2 * keep + 1:
            continue
        body = run[keep:len(run) - keep]
        pattern = repetition([_member_name(member) for member in body])
        if pattern is not None:
            period, repeats = pattern
            body = body[:period * repeats]
        chain = _fold_run(plan, body, sharing)
        if pattern is not None:
            chain.pattern = [_member_name(member) for member in body[:period]]
            chain.repeats = repeats
        plan.chains_shortened = True


def plan_collapse(graph, names, sharing, depth=None, shorten_chains=False, keep=2, max_inputs=None):
    """The folding of ``graph`` for a module ``depth`` (None: no folding), the inputs beyond ``max_inputs``
    of one node (None: no folding, see ``fan_in``) and optional chain shortening, in that order."""
    plan = Plan(depth, False)
    if depth is not None:
        _fold_depth(plan, graph, depth)
        _absorb_tensors(plan, graph, names, sharing)
    if max_inputs is not None:
        units, unit_of = _units(plan, graph)
        fold_fan_in(plan, units, unit_of, sharing, names, _member_name, max_inputs, keep)
    if shorten_chains:
        _fold_chains(plan, graph, names, sharing, keep)
    return plan


def rows_allowed(max_nodes):
    """The longest path a drawing of at most ``max_nodes`` nodes may have: a third of them (None: no cap)."""
    return None if max_nodes is None else max(max_nodes // 3, 1)


def plan_within(graph, names, sharing, depth, max_nodes, max_inputs=None):
    """``(plan, wiring, fits, unfolded)``: the least folding within ``max_nodes`` nodes and ``rows_allowed`` rows.

    ``unfolded`` is the wiring of the first, most detailed try. Tried in
    order, from the most detail to the least: the given ``depth`` (None:
    every op), the same with long chains shortened, then (when no ``depth``
    was given) one module level less, with and without chains, down to the
    whole model as one box.
    """
    if depth is not None:
        levels = [depth]
    else:
        deepest = max((len(op.clusters) for op in graph.ops), default=0)
        levels = [None] + list(range(deepest - 1, -1, -1))
    unfolded = None
    for level in levels:
        for shorten in (False, True):
            plan = plan_collapse(graph, names, sharing, level, shorten_chains=shorten, max_inputs=max_inputs)
            wiring = wire(graph, plan, sharing)
            unfolded = unfolded or wiring
            if max_nodes is None or (len(wiring.nodes) <= max_nodes and
                                     wiring.rows() <= rows_allowed(max_nodes)):
                return plan, wiring, True, unfolded
    return plan, wiring, False, unfolded
