"""Agreement: weighted kappa, rule grades against experts, raters and a data-driven grouping."""
from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError, ParameterError
from .assessments import read_assessments, score
from .grading import _check_scheme, _five_level, _three_level, _shares_of, _criteria_in_place, check_thresholds, grade
from .instrument import Instrument, load_instrument

WEIGHTS = (None, "linear", "quadratic")


def _check_weights(weights: str | None) -> str | None:
    if weights not in WEIGHTS:
        raise ParameterError(f"weights={weights!r}: expected None (unweighted), 'linear' or 'quadratic'")
    return weights


def _pairs(a: Any, b: Any, categories: Sequence[Any] | None) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Aligned codes of two ratings (rows missing in either dropped) and the ordered categories."""
    sa, sb = pd.Series(a), pd.Series(b)
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if not sa.index.equals(sb.index):
            if set(sa.index) != set(sb.index):
                only = sorted(set(sa.index) ^ set(sb.index), key=str)
                raise InputError(f"the two ratings cover different units (index labels), e.g. {only[:5]}; align them "
                                 "first")
            sb = sb.loc[sa.index]
    elif len(sa) != len(sb):
        raise InputError(f"the two ratings have different lengths ({len(sa)} and {len(sb)})")
    keep = (sa.notna() & sb.notna()).to_numpy()
    va, vb = sa.to_numpy(object)[keep], sb.to_numpy(object)[keep]
    if categories is None:
        values = set(va) | set(vb)
        try:
            categories = sorted(values)
        except TypeError:
            raise InputError("the ratings mix types that cannot be ordered; give categories in order") from None
    categories = list(categories)
    lookup = {c: k for k, c in enumerate(categories)}
    try:
        ca = np.array([lookup[v] for v in va], dtype=int)
        cb = np.array([lookup[v] for v in vb], dtype=int)
    except KeyError as exc:
        raise InputError(f"rating {exc.args[0]!r} is not among the categories {categories}") from None
    return ca, cb, categories


def _agreement_weights(k: int, weights: str | None) -> np.ndarray:
    """Agreement weights (1 on the diagonal): 1 - |i-j|/(k-1) or 1 - ((i-j)/(k-1))^2."""
    i, j = np.indices((k, k))
    if weights is None:
        return (i == j).astype(float)
    d = np.abs(i - j) / max(k - 1, 1)
    return 1 - d if weights == "linear" else 1 - d ** 2


def _kappa_from_table(table: np.ndarray, weights: str | None) -> tuple[float, float, float, float]:
    """Weighted kappa, its large-sample SE (Fleiss, Cohen & Everitt 1969), p_o and p_e."""
    n = table.sum()
    p = table / n
    w = _agreement_weights(table.shape[0], weights)
    pr, pc = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(pr, pc)).sum())
    if np.isclose(pe, 1):
        return float("nan"), float("nan"), po, pe
    kappa = (po - pe) / (1 - pe)
    w_row = w @ pc  # mean weight of row category i against the column marginal
    w_col = pr @ w
    term = (p * (w - (w_row[:, None] + w_col[None, :]) * (1 - kappa)) ** 2).sum()
    var = (term - (kappa - pe * (1 - kappa)) ** 2) / ((1 - pe) ** 2 * n)
    return float(kappa), float(np.sqrt(max(var, 0.0))), po, pe


def weighted_kappa(a: Any, b: Any, weights: str | None = "linear", categories: Sequence[Any] | None = None) -> float:
    """Cohen's kappa of two ordinal ratings, unweighted or with linear / quadratic weights.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with agreement weights ``w_ij = 1 - |i-j|/(k-1)``
    (linear) or ``1 - (i-j)^2/(k-1)^2`` (quadratic) over the ``k`` ordered categories;
    pairs with a missing rating are dropped. Identical to
    ``sklearn.metrics.cohen_kappa_score(a, b, weights=...)`` on the same categories.

    Parameters
    ----------
    a, b : ratings of the same units (sequences, or Series aligned on their index).
    weights : ``None``, ``"linear"`` or ``"quadratic"``.
    categories : the ordered categories (default: the sorted values seen in ``a`` and ``b``).
        Give them when a category between others is unused: weights count the steps between
        categories (unused ones at either end do not change kappa).

    Returns
    -------
    float (NaN, with a warning, when chance agreement is 1, e.g. a single category).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> round(maturity.weighted_kappa([1, 2, 3, 3], [1, 3, 3, 2], "linear"), 4)
    0.4286
    """
    _check_weights(weights)
    ca, cb, cats = _pairs(a, b, categories)
    if len(ca) == 0:
        raise InputError("weighted_kappa: no unit has both ratings")
    table = np.zeros((len(cats), len(cats)))
    np.add.at(table, (ca, cb), 1)
    kappa, *_ = _kappa_from_table(table, weights)
    if np.isnan(kappa):
        warnings.warn("kappa is undefined: chance agreement is 1 (all ratings in one category)", stacklevel=2)
    return kappa


def agreement(a: Any, b: Any, *, categories: Sequence[Any] | None = None, ci: float = 0.95,
              labels: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Agreement of two ordinal ratings: unweighted, linear and quadratic kappa with CIs.

    Standard errors are the large-sample (non-null) ones of Fleiss, Cohen & Everitt (1969),
    the CI is ``kappa +- z * SE`` and the p-value tests kappa = 0 with the same SE. Also
    reported: exact agreement, agreement within one category, and the mean difference
    ``b - a`` in categories (a systematic shift, which kappa does not show).

    Returns
    -------
    DataFrame, one row per weighting: ``weights``, ``kappa``, ``se``, ``ci_low``, ``ci_high``,
    ``z``, ``p``, ``n``, ``exact``, ``within_one``, ``mean_shift``.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.agreement([1, 2, 3, 3, 2], [1, 3, 3, 2, 2])["weights"].tolist()
    ['none', 'linear', 'quadratic']
    """
    if not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r}: expected a confidence level in (0, 1)")
    ca, cb, cats = _pairs(a, b, categories)
    if len(ca) == 0:
        raise InputError(f"agreement: no unit rated by both {labels[0]} and {labels[1]}")
    table = np.zeros((len(cats), len(cats)))
    np.add.at(table, (ca, cb), 1)
    z = stats.norm.ppf(0.5 + ci / 2)
    rows = []
    for w in WEIGHTS:
        kappa, se, po, pe = _kappa_from_table(table, w)
        zval = kappa / se if se > 0 else np.nan
        rows.append({"weights": w or "none", "kappa": kappa, "se": se, "ci_low": kappa - z * se,
                     "ci_high": kappa + z * se, "z": zval, "p": 2 * stats.norm.sf(abs(zval)) if np.isfinite(zval)
                     else np.nan, "n": len(ca), "exact": float(np.mean(ca == cb)),
                     "within_one": float(np.mean(np.abs(ca - cb) <= 1)), "mean_shift": float(np.mean(cb - ca))})
    out = pd.DataFrame(rows)
    out.attrs["labels"] = labels
    return out


def confusion(a: Any, b: Any, categories: Sequence[Any] | None = None,
              names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Cross-table of two ratings (rows ``a``, columns ``b``), every category shown.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.confusion([1, 2, 3, 3], [1, 3, 3, 2]).to_numpy().tolist()
    [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    """
    ca, cb, cats = _pairs(a, b, categories)
    table = np.zeros((len(cats), len(cats)), dtype=int)
    np.add.at(table, (ca, cb), 1)
    # grades stored as floats (1.0) read better as integers
    cats = [int(c) if isinstance(c, (float, np.floating)) and float(c).is_integer() else c for c in cats]
    return pd.DataFrame(table, index=pd.Index(cats, name=names[0]), columns=pd.Index(cats, name=names[1]))


def _scheme_categories(scheme: str, inst: Instrument) -> list[int]:
    return [1, 2, 3] if scheme == "three_level" else list(range(0, len(inst.ladder) + 1))


def expert_agreement(responses: pd.DataFrame | str | Path, scheme: str = "three_level", thresholds: Any = None, *,
                     instrument: Instrument | str | Path | None = None, grades: pd.DataFrame | None = None,
                     expert_column: str | None = None, ci: float = 0.95) -> pd.DataFrame:
    """Agreement of the rule grades with the experts' grades (``expert_level`` / ``expert_rung``).

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> df = maturity.simulate(40, seed=5)
    >>> maturity.expert_agreement(df).loc[1, "weights"]
    'linear'
    """
    inst = load_instrument(instrument)
    _check_scheme(scheme)
    data = read_assessments(responses, inst)
    column = expert_column or ("expert_level" if scheme == "three_level" else "expert_rung")
    if column not in data.columns:
        raise InputError(f"assessments: no {column!r} column with the experts' grades")
    if grades is None:
        grades = grade(data, scheme, thresholds, instrument=inst)
    expert = data.groupby("firm", sort=False)[column].first()
    rule = grades["level"].astype("Float64")
    expert = expert.reindex(rule.index)
    return agreement(rule.astype(float), expert.astype(float), categories=_scheme_categories(scheme, inst), ci=ci,
                     labels=("rule", "expert"))


def rater_agreement(responses: pd.DataFrame | str | Path, scheme: str = "three_level", thresholds: Any = None, *,
                    instrument: Instrument | str | Path | None = None, weights: str | None = "linear",
                    min_answered: float = 0.5, criterion_share: float = 0.5) -> pd.DataFrame:
    """Agreement between raters: each rater's own grade of the firm, compared pairwise.

    Every rater is graded alone (their dimension scores or their criteria). Raters are
    paired by their position within the firm (first listed, second, ...), so pair
    ``(1, 2)`` compares the first and second rater of every firm that has both. The last
    row, ``pair = "mean"``, averages the pairwise kappas (Light's kappa, weighted).

    Returns
    -------
    DataFrame: ``pair``, ``n``, ``kappa``, ``exact``.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> maturity.rater_agreement(maturity.simulate(30, n_raters=3, seed=2))["pair"].tolist()
    ['1-2', '1-3', '2-3', 'mean']
    """
    inst = load_instrument(instrument)
    _check_scheme(scheme)
    _check_weights(weights)
    t = check_thresholds(thresholds, scheme, inst)
    data = read_assessments(responses, inst)
    position = data.groupby("firm", sort=False).cumcount() + 1
    if scheme == "three_level":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # per-rater gaps are expected; they only reduce n
            per = score(data, inst, level="rater", min_answered=min_answered)
        levels = _three_level(per[inst.dimension_ids].to_numpy(float), t)
    else:
        # a single rater's criterion is "in place" when they say so
        keyed = data.assign(firm=data["firm"] + "\x00" + data["rater"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            in_place = _criteria_in_place(keyed, inst, criterion_share)
        levels = _five_level(_shares_of(in_place, inst).to_numpy(float), t)
    table = pd.DataFrame({"firm": data["firm"].to_numpy(), "pos": position.to_numpy(), "level": levels})
    wide = table.pivot(index="firm", columns="pos", values="level")
    if wide.shape[1] < 2:
        raise InputError("rater agreement needs at least two raters for some firm; every firm has one")
    cats = _scheme_categories(scheme, inst)
    rows = []
    for i, j in itertools.combinations(wide.columns, 2):
        both = wide[[i, j]].dropna()
        if len(both) < 2:
            continue
        rows.append({"pair": f"{i}-{j}", "n": len(both),
                     "kappa": weighted_kappa(both[i], both[j], weights, categories=cats),
                     "exact": float((both[i] == both[j]).mean())})
    out = pd.DataFrame(rows)
    if len(out):
        out = pd.concat([out, pd.DataFrame([{"pair": "mean", "n": int(out["n"].sum()), "kappa": out["kappa"].mean(),
                                             "exact": float(np.average(out["exact"], weights=out["n"]))}])],
                        ignore_index=True)
    out.attrs["weights"] = weights or "none"
    return out


@dataclass
class GroupingComparison:
    """Rule grades against a data-driven grouping of the dimension scores.

    Attributes
    ----------
    table : confusion matrix, rule grade (rows) x data-driven group (columns, ordered by the
        groups' mean score so that group 1 is the lowest).
    ari : adjusted Rand index of the two partitions.
    kappa : linear weighted kappa of rule grade and ordered group.
    groups : per firm: rule level, group, and the firm's mean feature value.
    centers : mean features of each group.
    method : ``"gmm"`` or ``"kmeans"``.
    """

    table: pd.DataFrame
    ari: float
    kappa: float
    groups: pd.DataFrame
    centers: pd.DataFrame
    method: str

    def summary(self) -> str:
        return (f"{self.method}: adjusted Rand index {self.ari:.3f}, linear weighted kappa {self.kappa:.3f} "
                f"between rule grades and {self.table.shape[1]} ordered groups")


def compare_grouping(grades: pd.DataFrame, method: str = "gmm", n_groups: int | None = None, *,
                     features: list[str] | None = None, instrument: Instrument | str | Path | None = None,
                     seed: int = 0) -> GroupingComparison:
    """Compare rule grades with a Gaussian mixture or k-means grouping of the firms' profiles.

    The features are the dimension scores for three-level grades and the rung shares
    (``rung_1`` ...) for five-level grades, unless ``features`` names other columns. The
    groups are ordered by their mean feature value and labelled with the rule's levels (or
    1..k when their numbers differ), so that the confusion matrix reads like a grade
    cross-table; the adjusted Rand index does not depend on labels.

    Parameters
    ----------
    grades : output of :func:`grade`.
    method : ``"gmm"`` (full-covariance Gaussian mixture, 10 starts) or ``"kmeans"`` (10 starts).
    n_groups : number of groups (default: the number of distinct rule grades).
    features : columns of ``grades`` to cluster on.
    seed : random state of the clustering.

    Examples
    --------
    >>> from crm_analysis import maturity
    >>> g = maturity.grade(maturity.simulate(60, seed=3))
    >>> res = maturity.compare_grouping(g, "kmeans")
    >>> res.table.shape
    (3, 3)
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.mixture import GaussianMixture

    inst = load_instrument(instrument)
    if method not in {"gmm", "kmeans"}:
        raise ParameterError(f"method={method!r}: expected 'gmm' or 'kmeans'")
    if not isinstance(grades, pd.DataFrame) or "level" not in grades.columns:
        raise ParameterError("grades: expected the output of maturity.grade()")
    scheme = str(grades["scheme"].iloc[0]) if "scheme" in grades.columns else "three_level"
    if features is None:
        features = inst.dimension_ids if scheme == "three_level" else [f"rung_{r.level}" for r in inst.ladder]
    missing = [c for c in features if c not in grades.columns]
    if missing:
        raise ParameterError(f"grades: no feature column(s) {', '.join(missing)} to group on")
    dims = list(features)
    usable = grades.dropna(subset=dims + ["level"])
    if n_groups is None:
        n_groups = max(2, int(usable["level"].nunique()))
    if not isinstance(n_groups, int) or not 2 <= n_groups < len(usable):
        raise ParameterError(f"n_groups={n_groups!r}: expected an integer from 2 to fewer than the {len(usable)} "
                             "graded firms")
    x = usable[dims].to_numpy(float)
    if method == "gmm":
        model = GaussianMixture(n_groups, covariance_type="full", n_init=10, random_state=seed, reg_covar=1e-4)
    else:
        model = KMeans(n_groups, n_init=10, random_state=seed)
    raw = model.fit_predict(x)
    means = pd.DataFrame(x, columns=dims).groupby(raw).mean()
    order = means.mean(axis=1).sort_values().index
    # labels: the rule's own levels when there are as many groups as levels, else 1..k
    observed = sorted(usable["level"].astype(int).unique())
    labels = observed if len(observed) == n_groups else list(range(1, n_groups + 1))
    relabel = dict(zip(order, labels))
    group = np.array([relabel[g] for g in raw])
    centers = means.loc[order].set_axis(labels)
    centers.index.name = "group"
    rule = usable["level"].astype(int).to_numpy()
    levels = sorted(set(_scheme_categories(scheme, inst)) | set(rule))
    table = pd.crosstab(pd.Series(rule, name="rule level"), pd.Series(group, name=f"{method} group"))
    table = table.reindex(index=[lv for lv in levels if lv in table.index or lv > 0],
                          columns=labels, fill_value=0)
    table.index.name = "rule level"
    groups = pd.DataFrame({"level": rule, "group": group, "mean_score": x.mean(axis=1)}, index=usable.index)
    common = sorted(set(levels) | set(labels))
    return GroupingComparison(table, float(adjusted_rand_score(rule, group)),
                              weighted_kappa(rule, group, "linear", categories=common), groups, centers, method)
