"""Which recorded ops belong to which call of a module, and a frame of its own for each call that feeds the next.

A module called again on a result of its own earlier call (a layer reused
at every step of a loop, ``h = cell(h)``; ``lin(act(lin(x)))``) has calls
that feed each other. Drawn in one frame, its later calls would sit beside
the first, with edges running back up the picture (the layout program ranks
a frame as one block). So each such call gets a frame of its own, in the
order the calls ran; calls that do not feed each other (one module reached
through two heads, a siamese net) share one frame.
"""

__all__ = ["module_calls", "frame_each_call"]


def module_calls(graph, depth):
    """``{op key: call key}`` for the ops made inside a module at level ``depth + 1``.

    The ops of one call are linked by the tensors they pass each other inside
    the module. A module called again on a result of its own earlier call (a
    layer reused at every step of a loop, shared weights) gets one key per
    call: one box for all calls would feed itself. Calls that do not feed
    each other (one body reached through two heads) share one key.
    """
    parent = {}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for op in graph.ops:
        if len(op.clusters) > depth:
            parent[op.key] = op.key
            for entry in op.inputs:
                before = entry.producer
                if before is not None and len(before.clusters) > depth and before.clusters[depth] == op.clusters[depth]:
                    parent[find(op.key)] = find(before.key)
    bit_of, calls_of, reach, chained = {}, {}, {}, set()
    for op in graph.ops:
        mask = 0
        for entry in op.inputs:
            if entry.producer is not None:
                mask |= reach[entry.producer.key]
        if op.key in parent:
            cluster = op.clusters[depth]
            bit = 1 << bit_of.setdefault(find(op.key), len(bit_of))
            if mask & calls_of.get(cluster, 0) & ~bit:
                chained.add(cluster)
            calls_of[cluster] = calls_of.get(cluster, 0) | bit
            mask |= bit
        reach[op.key] = mask
    return {key: (graph_cluster, find(key) if graph_cluster in chained else None)
            for key, graph_cluster in ((op.key, op.clusters[depth]) for op in graph.ops if op.key in parent)}


def frame_each_call(graph, paths):
    """Give every call of a module whose calls feed each other its own cluster key, at every level.

    ``op.clusters`` (keys from ``paths.clusters_of``) are rewritten: the key
    of such a call (and of every frame inside it) gets the call's key from
    ``module_calls`` appended, and ``paths`` learns it as the same module.
    """
    deepest = max((len(op.clusters) for op in graph.ops), default=0)
    calls = [module_calls(graph, depth) for depth in range(deepest)]
    for op in graph.ops:
        suffix, keys = (), []
        for depth, key in enumerate(op.clusters):
            call = calls[depth][op.key][1]
            suffix += (call,) if call is not None else ()
            if suffix:
                framed = key + suffix
                paths.alias(framed, key)
                key = framed
            keys.append(key)
        op.clusters = tuple(keys)
