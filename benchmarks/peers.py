"""Our models in the peers' own syntax: written once, for the benchmarks and the parity tests.

The parity tests (``tests/test_cbsem.py``, ``tests/test_pls_seminr.py``) import this module too,
so that a benchmark times the peer on exactly the model the tests hold it to.
"""
from __future__ import annotations

from typing import Any


def seminr_model(seminr: Any, model: Any, *, reflective: bool = False) -> tuple[list, list]:
    """``(measurement, structural)`` model of the PyPI ``seminr`` package for a ``crm_analysis`` Model.

    Parameters
    ----------
    seminr : module
        The imported ``seminr`` package (an optional test dependency, so the caller imports it).
    model : crm_analysis.sem.Model
    reflective : bool
        Every block as a common factor (``seminr.reflective``, what its CB-SEM estimates) instead
        of a composite (PLS: mode A blocks get correlation weights, mode B regression weights).

    Examples
    --------
    >>> import seminr                                                   # doctest: +SKIP
    >>> mm, sm = seminr_model(seminr, csi.preset("ecsi"))               # doctest: +SKIP
    >>> seminr.estimate_pls(data, mm, sm)                               # doctest: +SKIP
    """
    if reflective:
        blocks = [seminr.reflective(c, model.indicators[c]) for c in model.constructs]
    else:
        blocks = [seminr.composite(c, model.indicators[c],
                                   weights=seminr.mode_B if model.modes[c] == "B" else seminr.mode_A)
                  for c in model.constructs]
    paths = [seminr.paths(from_=f, to=t) for f, t in model.structural_paths]
    return seminr.constructs(*blocks), seminr.relationships(*paths)
