"""crm-analysis: customer relationship management analytics.

Sub-packages are imported on demand (``from crm_analysis import sem``) so that the command
line stays quick: semopy and matplotlib are only loaded by the modules that use them.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
