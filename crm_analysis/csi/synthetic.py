"""The synthetic ECSI survey shipped as ``data/ecsi_synthetic.csv`` (true values recorded here).

The real ECSI files cannot be redistributed, so the ``csi`` notebook's defaults run on a
synthetic survey with the layout of the mobi data (IMAG1-5, CUEX1-3, PERQ1-7, PERV1-2, CUSA1-3,
CUSCO, CUSL1-3 on a 1-10 scale) plus a ``gender`` column. It is drawn by
:func:`crm_analysis.sem.simulate` from the ECSI preset with the true values below, separately
for women and men (who differ on two paths, so that the group comparison has something to find),
then put on the 1-10 answer scale. :func:`ecsi_synthetic` regenerates the file exactly.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ANSWER_SD",
    "CONSTRUCT_MEANS",
    "SEED",
    "SIZES",
    "TRUE_LOADINGS",
    "TRUE_PATHS",
    "ecsi_synthetic",
]

SEED = 20240601
#: Respondents per group.
SIZES = {"female": 240, "male": 160}

_COMMON = {
    ("Image", "Expectation"): 0.50,
    ("Expectation", "Quality"): 0.55,
    ("Expectation", "Value"): 0.10,
    ("Quality", "Value"): 0.50,
    ("Image", "Satisfaction"): 0.20,
    ("Expectation", "Satisfaction"): 0.05,
    ("Quality", "Satisfaction"): 0.35,
    ("Satisfaction", "Complaints"): 0.50,
    ("Satisfaction", "Loyalty"): 0.50,
    ("Complaints", "Loyalty"): 0.05,
}
#: Standardised structural paths per group: women value price-quality more (Value ->
#: Satisfaction) and their loyalty rests more on the company's image (Image -> Loyalty).
TRUE_PATHS: dict[str, dict[tuple[str, str], float]] = {
    "female": {**_COMMON, ("Value", "Satisfaction"): 0.40, ("Image", "Loyalty"): 0.30},
    "male": {**_COMMON, ("Value", "Satisfaction"): 0.05, ("Image", "Loyalty"): 0.0},
}
#: Correlation of each item with its construct (0.80 unless listed); CUEX3 and CUSL2 are weak
#: items, as in the real mobi data; the single complaints item measures its construct exactly.
TRUE_LOADINGS: dict[str, float] = {
    "Image": 0.80, "Expectation": 0.80, "Quality": 0.80, "Value": 0.90, "Satisfaction": 0.85,
    "Loyalty": 0.85, "CUEX3": 0.50, "CUSL2": 0.45, "CUSCO": 1.0,
}
#: Mean answer (before rounding and clipping to 1-10) of each construct's items.
CONSTRUCT_MEANS: dict[str, float] = {
    "Image": 7.6, "Expectation": 7.6, "Quality": 7.8, "Value": 6.4, "Satisfaction": 7.3,
    "Complaints": 7.0, "Loyalty": 7.2,
}
#: Standard deviation of the answers before rounding.
ANSWER_SD = 1.7


def ecsi_synthetic(seed: int = SEED) -> pd.DataFrame:
    """Draw the synthetic ECSI survey (400 rows: 24 items on 1-10 and ``gender``).

    Each group is drawn by :func:`crm_analysis.sem.simulate` from ``csi.preset("ecsi")`` with
    that group's :data:`TRUE_PATHS` and :data:`TRUE_LOADINGS` (standardised latent variables and
    items, seeds ``seed`` and ``seed + 1``); each item becomes
    ``clip(round(CONSTRUCT_MEANS[construct] + ANSWER_SD * z), 1, 10)``; the rows of both
    groups are shuffled together (seed ``seed + 2``).

    Examples
    --------
    >>> df = ecsi_synthetic()
    >>> df.shape, sorted(df["gender"].unique())
    ((400, 25), ['female', 'male'])
    """
    from crm_analysis.csi.presets import preset
    from crm_analysis.sem.simulation import simulate

    model = preset("ecsi")
    owner = model.construct_of
    parts = []
    for k, (group, n) in enumerate(SIZES.items()):
        z = simulate(model, n, paths=TRUE_PATHS[group], loadings=TRUE_LOADINGS, seed=seed + k)
        answers = pd.DataFrame({
            x: np.clip(np.round(CONSTRUCT_MEANS[owner[x]] + ANSWER_SD * z[x].to_numpy()), 1, 10).astype(int)
            for x in model.all_indicators
        })
        answers["gender"] = group
        parts.append(answers)
    data = pd.concat(parts, ignore_index=True)
    order = np.random.default_rng(seed + 2).permutation(len(data))
    return data.iloc[order].reset_index(drop=True)
