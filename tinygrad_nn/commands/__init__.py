"""Subcommands of the ``tinygrad-nn`` command line, one module each (see ``tinygrad_nn.cli``)."""
