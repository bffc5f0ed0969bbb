"""House style for every figure, and a CJK font so that Chinese labels render.

Plotting functions across the package follow seaborn's conventions: they take ``data=``,
return the ``Axes`` or ``Figure``, and draw only statistics the package also exposes.
"""
from __future__ import annotations

from .style import PALETTE, find_cjk_font, use_style

__all__ = ["PALETTE", "find_cjk_font", "use_style"]
