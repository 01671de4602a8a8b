"""``settle_allocator``: keep glibc's malloc from giving memory back to the OS after every step.

glibc's malloc serves blocks above its mmap threshold (128 KB when a
process starts) with fresh ``mmap``s, and hands free memory at the top of
its heap back to the OS above a trim threshold. Both thresholds rise, up to
32 MB, the first time the process frees a large mmapped block. Until that
happens, a training loop whose arrays are a few hundred KB gets fresh pages
from the kernel on every step: the demo's 10,000 steps of a 300x100 hidden
layer took 6 s instead of 2.5 s, half of it in page faults, once the graph
stopped holding every intermediate array (so the heap empties at the end of
each step and is trimmed).

Freeing one 8 MB block, once, puts the process in the state it reaches
anyway as soon as it frees any large array: blocks up to 8 MB come from the
heap, and up to 16 MB of freed memory is kept for reuse. The block is never
touched, so this costs no page faults. On other C libraries it is a
harmless allocation. ``import tinygrad_nn`` calls it.
"""

import numpy as np

__all__ = ["settle_allocator"]

# Below glibc's 32 MB cap on the threshold (a block of exactly 32 MB plus malloc's header is over it).
_BLOCK_BYTES = 8 * 1024 * 1024
_settled = False


def settle_allocator():
    """Allocate and free one untouched 8 MB block, once per process (see the module docstring)."""
    global _settled
    if not _settled:
        block = np.empty(_BLOCK_BYTES, dtype=np.uint8)
        del block
        _settled = True
