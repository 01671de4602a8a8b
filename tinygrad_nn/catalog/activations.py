"""Catalog section: activation functions (Tensor methods where PyTorch has them, ``F`` functions, ``nn`` modules)."""

import numpy as np

from . import Entry
from .. import functional as F
from ..functional.activations import SELU_ALPHA, SELU_SCALE

TITLE = "Activations"

ENTRIES = [
    Entry("sigmoid", ("Tensor.sigmoid", "tg.sigmoid", "F.sigmoid", "nn.Sigmoid"), "s = 1 / (1 + e**-x)",
          "s (1 - s)"),
    Entry("relu", ("Tensor.relu", "tg.relu", "F.relu", "nn.ReLU"), "max(0, x)", "1 for x > 0, else 0",
          "x = 0: 0", ((0.0, 0.0),)),
    Entry("leaky_relu", ("Tensor.leaky_relu", "F.leaky_relu", "nn.LeakyReLU"),
          "x for x > 0, else negative_slope x", "1 for x > 0, else negative_slope", "x = 0: negative_slope",
          ((0.0, 0.01),)),
    Entry("prelu", ("F.prelu", "nn.PReLU"), "x for x > 0, else w x (w learned, per channel)",
          "dx = 1 for x > 0, else w; dw = x for x <= 0, else 0", "x = 0: w for x, 0 for w",
          ((0.0, 0.25),), lambda x: F.prelu(x, np.array([0.25]))),
    Entry("elu", ("F.elu", "nn.ELU"), "x for x > 0, else alpha (e**x - 1)", "1 for x > 0, else alpha e**x",
          "x = 0: alpha (the negative side)", ((0.0, 0.5),), lambda x: F.elu(x, 0.5)),
    Entry("selu", ("F.selu", "nn.SELU"), "scale elu(x, alpha), alpha = 1.6733, scale = 1.0507",
          "scale for x > 0, else scale alpha e**x", "x = 0: scale alpha = 1.7581",
          ((0.0, SELU_SCALE * SELU_ALPHA),)),
    Entry("celu", ("F.celu", "nn.CELU"), "max(0, x) + min(0, alpha (e**(x/alpha) - 1))",
          "1 for x > 0, else e**(x/alpha)"),
    Entry("gelu", ("F.gelu", "nn.GELU"), "x Phi(x), Phi the normal CDF (approximate='tanh': "
          "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))))", "Phi(x) + x e**(-x**2/2) / sqrt(2 pi)"),
    Entry("silu", ("F.silu", "F.swish", "nn.SiLU"), "x s, s = sigmoid(x)", "s (1 + x (1 - s))"),
    Entry("mish", ("F.mish", "nn.Mish"), "x tanh(softplus(x))", "t + x (1 - t**2) sigmoid(x), t = tanh(softplus(x))"),
    Entry("softplus", ("F.softplus", "nn.Softplus"), "ln(1 + e**(beta x)) / beta; x where beta x > threshold",
          "sigmoid(beta x); 1 past the threshold"),
    Entry("softsign", ("F.softsign", "nn.Softsign"), "x / (1 + |x|)", "1 / (1 + |x|)**2"),
    Entry("logsigmoid", ("F.logsigmoid", "nn.LogSigmoid"), "ln sigmoid(x) = -softplus(-x)", "sigmoid(-x)"),
    Entry("tanhshrink", ("F.tanhshrink", "nn.Tanhshrink"), "x - tanh x", "tanh(x)**2"),
    Entry("hardtanh", ("F.hardtanh", "nn.Hardtanh"), "clip(x, min_val, max_val)",
          "1 for min_val < x < max_val, else 0", "x = min_val or max_val: 0 (unlike clamp)",
          ((np.array([-1.0, 1.0]), np.zeros(2)),)),
    Entry("relu6", ("F.relu6", "nn.ReLU6"), "min(max(0, x), 6)", "1 for 0 < x < 6, else 0", "x = 0 or 6: 0",
          ((np.array([0.0, 6.0]), np.zeros(2)),)),
    Entry("hardsigmoid", ("F.hardsigmoid", "nn.Hardsigmoid"), "clip(x / 6 + 1/2, 0, 1)",
          "1/6 for -3 < x < 3, else 0", "x = +-3: 0", ((np.array([-3.0, 3.0]), np.zeros(2)),)),
    Entry("hardswish", ("F.hardswish", "nn.Hardswish"), "x clip(x + 3, 0, 6) / 6",
          "0 for x <= -3, (2x + 3) / 6 between, 1 for x >= 3", "x = -3: 0, x = 3: 1",
          ((np.array([-3.0, 3.0]), np.array([0.0, 1.0])),)),
    Entry("softmax", ("Tensor.softmax", "tg.softmax", "F.softmax", "nn.Softmax"), "s = e**x / sum(e**x) along dim",
          "dx = s (g - sum(g s))"),
    Entry("log_softmax", ("Tensor.log_softmax", "tg.log_softmax", "F.log_softmax", "nn.LogSoftmax"),
          "x - ln sum(e**x) along dim",
          "dx = g - softmax(x) sum(g)"),
    Entry("softmin", ("F.softmin", "nn.Softmin"), "softmax(-x) along dim", "dx = -s (g - sum(g s)), s = softmin(x)"),
    Entry("maxout", ("F.maxout", "nn.Maxout"), "max over groups of pieces consecutive features",
          "1 for the group's maximum, else 0", "k tied maxima: 1/k each"),
]
