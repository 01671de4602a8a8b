"""Catalog section: reductions over axes."""

from . import Entry
from ..engine.ops.reduce_more import CATALOG

TITLE = "Reductions"

ENTRIES = [
    Entry("sum", ("Tensor.sum", "tg.sum", "np.sum"), "sum of x over axis", "g broadcast back over the summed axes"),
    Entry("mean", ("Tensor.mean", "tg.mean", "np.mean"),
          "mean of x over axis", "g / n broadcast back (n values averaged)"),
    Entry("max", ("Tensor.max", "tg.max", "np.max", "np.amax"),
          "largest x over axis (over dim=: PyTorch's (values, indices))", "1 for the maximum, else 0",
          "k tied maxima: 1/k each over axis; over dim= all to the first"),
    Entry("min", ("Tensor.min", "tg.min", "np.min", "np.amin"),
          "smallest x over axis (over dim=: PyTorch's (values, indices))", "1 for the minimum, else 0",
          "k tied minima: 1/k each over axis; over dim= all to the first"),
    *(Entry(**fields) for fields in CATALOG),
    Entry("layer_norm", ("F.layer_norm", "nn.LayerNorm"),
          "(x - mean) / sqrt(var + eps) * w + b, mean and population var over the last axes of each sample",
          "composed of recorded ops (mean, -, *, sqrt, /), so theirs: dx = (g' - mean(g') - x_hat mean(g' x_hat)) "
          "/ sqrt(var + eps) with g' = g w; dw = sum of g x_hat, db = sum of g over the samples"),
]
