"""Catalog section: shape changes, indexing, joining and selecting."""

from . import Entry
from ..engine.ops.shape_more import CATALOG

TITLE = "Shape and selection"

ENTRIES = [
    Entry("reshape", ("Tensor.reshape", "tg.reshape", "np.reshape", "np.expand_dims", "np.squeeze"),
          "the same values, new shape",
          "g reshaped back"),
    Entry("transpose", ("Tensor.transpose", "Tensor.t", "tg.t", "Tensor.T", "np.transpose", "np.swapaxes",
                        "np.moveaxis"),
          "axes permuted", "g with the inverse permutation"),
    Entry("broadcast_to", ("Tensor.broadcast_to", "np.broadcast_to"), "x repeated to a shape (numpy's rules)",
          "g summed over the broadcast axes"),
    Entry("index", ("Tensor.__getitem__", "Tensor.gather", "Tensor.index_select", "Tensor.sort", "Tensor.topk",
                    "np.split"), "x[index] (basic, integer-array and boolean indexing; gather, index_select, "
          "sort and topk select this way)",
          "g scattered back to the selected places", "an element selected k times: the sum of its k gradients"),
    Entry("concatenate", ("tg.concatenate", "tg.cat", "tg.concat", "np.concatenate"), "tensors joined along an axis",
          "each input gets its slice of g"),
    Entry("stack", ("tg.stack", "np.stack"), "tensors joined along a new axis", "each input gets its slice of g"),
    Entry("where", ("tg.where", "Tensor.masked_fill", "np.where"), "a where condition, else b",
          "d/da = g where condition, d/db = g elsewhere; the condition gets none"),
    Entry("dropout", ("nn.Dropout", "F.dropout"), "x m / (1 - p) in training (m = 0 with probability p, else 1); "
          "x in eval", "m / (1 - p) in training, 1 in eval"),
    Entry("one_hot", ("F.one_hot",), "integer labels as rows of 0s with a 1 at the label (int64)",
          "none (an integer result)"),
    *(Entry(**fields) for fields in CATALOG),
]
