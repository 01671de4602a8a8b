"""Catalog section: losses (each reduces with reduction="mean" | "sum" | "none")."""

from . import Entry
from ..functional.losses_catalog import CATALOG

TITLE = "Losses"

ENTRIES = [Entry(**fields) for fields in CATALOG]
