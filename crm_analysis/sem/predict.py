"""PLSpredict (Shmueli et al. 2016, 2019) and CVPAT (Liengaard et al. 2021).

Repeated k-fold cross-validation of a PLS path model: the model is estimated on the training
folds (all folds of all repetitions in one batched call of the engine), the held-out rows are
predicted from their indicators of the exogenous side of the model, and the predictions of the
endogenous indicators are compared with two naive benchmarks estimated on the same training
rows: the training mean of each indicator (Q²predict; the "indicator average", IA, of CVPAT)
and a linear regression of each endogenous indicator on the indicators of the construct's
antecedents (LM).

Examples
--------
>>> from crm_analysis import sem
>>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2\\nY ~ X"
>>> data = sem.simulate(text, n=200, paths={("X", "Y"): 0.5}, seed=1)
>>> pred = sem.predict_pls(data, text, k=10, repetitions=3, seed=1)
>>> list(pred.metrics.columns)
['construct', 'indicator', 'rmse', 'mae', 'q2_predict', 'lm_rmse', 'lm_mae']
>>> bool((pred.metrics["q2_predict"] > 0).all())
True
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crm_analysis.errors import ParameterError
from crm_analysis.sem import _pls_core as core
from crm_analysis.sem import bootstrap as bs
from crm_analysis.sem.model import Model
from crm_analysis.sem.pls import _check_choice, _check_options, _setup

__all__ = ["predict_pls", "PLSPredictResult", "cvpat", "seminr_folds"]

_TECHNIQUES = ("DA", "EA")


def seminr_folds(n: int, k: int, ordering: Sequence[int]) -> np.ndarray:
    """The fold of each row as seminr's ``predict_pls`` assigns it (0-based fold labels).

    seminr shuffles the rows once (``ordering``: row positions in shuffled order, 0-based) and
    cuts the shuffled sequence into ``k`` contiguous blocks as R's ``cut(seq(1, n), breaks=k)``.
    Our own folds (``predict_pls(seed=...)``) are drawn the same way, one ordering per repetition.

    Examples
    --------
    >>> seminr_folds(5, 2, [4, 3, 2, 1, 0]).tolist()
    [1, 1, 0, 0, 0]
    """
    ordering = np.asarray(ordering)
    if sorted(ordering.tolist()) != list(range(n)):
        raise ParameterError(f"ordering: expected a permutation of 0..{n - 1}")
    fuzz = (n - 1) / 1000
    breaks = 1 + np.arange(k + 1) * (n - 1) / k
    breaks[0], breaks[k] = 1 - fuzz, n + fuzz
    cut = np.searchsorted(breaks, np.arange(1, n + 1), side="left") - 1  # R's right-closed intervals
    out = np.empty(n, dtype=np.intp)
    out[ordering] = cut
    return out


@dataclass
class PLSPredictResult:
    """Results of :func:`predict_pls`.

    Attributes
    ----------
    metrics : DataFrame
        One row per endogenous indicator: ``construct, indicator``, the PLS out-of-sample
        ``rmse`` and ``mae``, ``q2_predict`` (1 − SSE_PLS / SSE of the training-mean
        prediction) and the LM benchmark's ``lm_rmse``, ``lm_mae``. Pooled over repetitions
        (mean squared / absolute error over all repetitions and rows).
    predictions, lm_predictions : DataFrame
        Out-of-sample predictions of the endogenous indicators (rows used × indicators),
        averaged over repetitions.
    folds : ndarray (repetitions, n)
        Fold label of each row in each repetition.
    technique : str
        "DA" (direct antecedents) or "EA" (earliest antecedents).
    errors : dict of str to ndarray
        ``pls``, ``lm``, ``ia`` (indicator average = training mean): out-of-sample prediction
        errors (actual − predicted), (repetitions, n, q); the input of :func:`cvpat`.
    """

    model: Model
    metrics: pd.DataFrame
    predictions: pd.DataFrame
    lm_predictions: pd.DataFrame
    folds: np.ndarray
    technique: str
    settings: dict[str, Any]
    errors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        r, n = self.folds.shape
        return (f"<PLSPredictResult: {len(self.metrics)} endogenous indicators, {n} rows, "
                f"{self.settings['k']}-fold x {r} repetitions, {self.technique}>")


def _fold_matrix(folds: Any, n: int, k: int, repetitions: int, rng: np.random.Generator) -> np.ndarray:
    if folds is None:
        return np.stack([seminr_folds(n, k, rng.permutation(n)) for _ in range(repetitions)])
    F = np.asarray(folds)
    if F.ndim == 1:
        F = F[None]
    if F.ndim != 2 or F.shape[1] != n or not np.issubdtype(F.dtype, np.integer):
        raise ParameterError(f"folds: expected integer fold labels of shape ({n},) or (repetitions, {n}) "
                             f"for the {n} rows used")
    for r, row in enumerate(F):
        labels, size = np.unique(row, return_counts=True)
        if len(labels) < 2 or (n - size.max()) < 3:
            raise ParameterError(f"folds[{r}]: expected at least 2 folds, each leaving 3 or more training rows")
    return F


def predict_pls(
    data: pd.DataFrame,
    model: Model | str,
    *,
    k: int = 10,
    repetitions: int = 10,
    seed: int | np.random.Generator | None = None,
    folds: np.ndarray | None = None,
    technique: str = "DA",
    scheme: str = "path",
    consistent: bool | Sequence[str] = False,
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: str = "listwise",
) -> PLSPredictResult:
    """PLSpredict: repeated k-fold out-of-sample predictions of the endogenous indicators.

    Each training set is standardised with its own means and standard deviations (``n - 1``);
    a held-out row's construct scores are its standardised indicators times the training
    weights, the endogenous constructs are predicted from their direct antecedents' scores
    ("DA", default) or from the exogenous constructs through the path model ("EA"), and an
    indicator's prediction is its construct's prediction times its training loading, returned
    to the raw scale (seminr's ``predict_pls``; Shmueli et al. 2016). With ``consistent`` the
    PLSc paths and loadings are used (as seminr does for ``reflective()`` constructs).

    Parameters
    ----------
    data : DataFrame
    model : Model or str
    k : int
        Number of folds (2 .. n).
    repetitions : int
        Number of random fold assignments (SmartPLS' default 10).
    seed : int, Generator or None
        Seed of the fold assignment. Repetition ``r`` cuts ``rng.permutation(n)`` into ``k``
        contiguous blocks, as seminr does with its one shuffle.
    folds : array of int, optional
        Explicit fold labels, shape (n,) or (repetitions, n) over the rows used (after
        listwise deletion); overrides ``k``, ``repetitions`` and ``seed``. See
        :func:`seminr_folds` to reproduce seminr's folds.
    technique : {"DA", "EA"}
        Direct-antecedent or earliest-antecedent prediction.
    scheme, consistent, max_iter, tol, missing
        As :func:`estimate_pls`.

    Returns
    -------
    PLSPredictResult

    Raises
    ------
    ParameterError
        ``k`` outside 2..n, invalid ``folds``, unknown ``technique``.

    Examples
    --------
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X"
    >>> data = sem.simulate(text, n=120, seed=3)
    >>> sem.predict_pls(data, text, k=5, repetitions=2, seed=1).metrics.shape
    (2, 7)
    """
    _check_options(scheme, True, max_iter, tol, missing, "seminr")
    technique = _check_choice(technique, "technique", _TECHNIQUES)
    for name, v in (("k", k), ("repetitions", repetitions)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (2 if name == "k" else 1):
            raise ParameterError(f"{name}: expected an integer >= {2 if name == 'k' else 1}, got {v!r}")
    setup = _setup(data, model, what="predict_pls", missing=missing, consistent=consistent)
    m, cmask, prep, mu, st = setup.model, setup.consistent, setup.prep, setup.mu, setup.st
    X = prep.X
    n = len(X)
    if folds is None and k > n:
        raise ParameterError(f"k: expected at most {n} folds (the rows used), got {k}")
    F = _fold_matrix(folds, n, int(k), int(repetitions), bs.generator(seed))
    Xc = X - mu

    # every training set of every repetition: one batched fit
    jobs = [(r, f) for r in range(len(F)) for f in np.unique(F[r])]
    train = np.stack([(F[r] != f).astype(float) for r, f in jobs])
    S, means, nobs = core.covariance_stack(Xc, train)
    fit = core.fit_batch(S, nobs, st, scheme=scheme, scaled=True, max_iter=int(max_iter), tol=float(tol),
                         convergence="seminr", extras=False, consistent=cmask)
    notes = []
    if not fit["converged"].all():
        notes.append(f"{int((~fit['converged']).sum())} of {len(jobs)} training fits did not converge "
                     f"in max_iter={max_iter} iterations")
    means = means + mu
    sd1 = fit["indicator_sd"] * np.sqrt(nobs / (nobs - 1))[:, None]

    endo = list(st.endo)
    ycols = np.concatenate([st.blocks[j] for j in endo])
    antecedents = _lm_antecedents(m, st, technique)
    lm_coef = _lm_coefficients(S, endo, st, antecedents)
    order = [st.constructs.index(c) for c in m.order()]
    exo = [j for j in range(st.J) if not len(st.preds[j])]

    R = len(F)
    q = len(ycols)
    pred = {key: np.full((R, n, q), np.nan) for key in ("pls", "lm", "ia")}
    for b, (r, f) in enumerate(jobs):
        test = F[r] == f
        Z = (X[test] - means[b]) / sd1[b]
        scores = Z @ (fit["std_weights"][b][:, None] * st.mask)
        Bm = fit["path_matrix"][b]
        if technique == "DA":
            eta = scores @ Bm
        else:
            eta = np.zeros_like(scores)
            eta[:, exo] = scores[:, exo]
            for j in order:
                if j not in exo:
                    eta[:, j] = eta @ Bm[:, j]
        lam = fit["loadings"][b]
        items = eta[:, st.block[ycols]] * lam[ycols]
        pred["pls"][r, test] = items * sd1[b, ycols] + means[b, ycols]
        pred["ia"][r, test] = means[b, ycols]
        pos = 0
        for j, (xi, beta) in zip(endo, lm_coef):
            yi = st.blocks[j]
            pred["lm"][r, test, pos:pos + len(yi)] = means[b, yi] + (X[test][:, xi] - means[b, xi]) @ beta[b]
            pos += len(yi)
    actual = X[:, ycols]
    errors = {key: actual[None] - v for key, v in pred.items()}
    cs = list(st.constructs)
    metrics = pd.DataFrame({
        "construct": [cs[st.block[i]] for i in ycols],
        "indicator": [st.indicators[i] for i in ycols],
        "rmse": np.sqrt((errors["pls"] ** 2).mean(axis=(0, 1))),
        "mae": np.abs(errors["pls"]).mean(axis=(0, 1)),
        "q2_predict": 1 - (errors["pls"] ** 2).sum(axis=(0, 1)) / (errors["ia"] ** 2).sum(axis=(0, 1)),
        "lm_rmse": np.sqrt((errors["lm"] ** 2).mean(axis=(0, 1))),
        "lm_mae": np.abs(errors["lm"]).mean(axis=(0, 1)),
    })
    names = [st.indicators[i] for i in ycols]
    settings = dict(k=int(k) if folds is None else int(max(len(np.unique(r)) for r in F)), repetitions=R,
                    seed=seed if not isinstance(seed, np.random.Generator) else "Generator",
                    scheme=scheme, consistent=[] if cmask is None else [c for c, x in zip(cs, cmask) if x],
                    missing=missing)
    return PLSPredictResult(
        model=m, metrics=metrics,
        predictions=pd.DataFrame(pred["pls"].mean(axis=0), index=prep.index, columns=names),
        lm_predictions=pd.DataFrame(pred["lm"].mean(axis=0), index=prep.index, columns=names),
        folds=F, technique=technique, settings=settings, errors=errors, warnings=list(prep.notes) + notes,
    )


def _lm_antecedents(m: Model, st: core.Structure, technique: str) -> dict[int, list[int]]:
    """Constructs whose indicators are the LM benchmark's regressors, per endogenous construct."""
    exo = [j for j in range(st.J) if not len(st.preds[j])]
    return {j: (list(st.preds[j]) if technique == "DA" else exo) for j in st.endo}


def _lm_coefficients(S: np.ndarray, endo: list[int], st: core.Structure, antecedents: dict[int, list[int]]):
    """OLS slopes (B, k_x, k_y) of each endogenous block on its antecedents' indicators, from the
    training covariance matrices (the intercept follows from the training means)."""
    out = []
    for j in endo:
        xi = np.concatenate([st.blocks[a] for a in antecedents[j]])
        yi = st.blocks[j]
        Sxx = S[:, xi[:, None], xi]
        Sxy = S[:, xi[:, None], yi]
        out.append((xi, np.linalg.solve(Sxx, Sxy)))
    return out


def cvpat(pred: PLSPredictResult, benchmark: str = "IA", *, other: PLSPredictResult | None = None
          ) -> pd.DataFrame:
    """Cross-validated predictive ability test (Liengaard et al. 2021).

    The loss of case ``i`` is its squared prediction error averaged over the endogenous
    indicators (and over repetitions); ``D_i = loss_benchmark,i − loss_PLS,i``. The test of
    ``H0: E[D] <= 0`` (the PLS model predicts no better than the benchmark) is the one-sided
    t-test ``t = mean(D) / (sd(D) / sqrt(n))`` with ``n − 1`` degrees of freedom.

    Parameters
    ----------
    pred : PLSPredictResult
    benchmark : {"IA", "LM"}
        Indicator average (the training mean of each indicator) or the linear-model benchmark.
        Ignored when ``other`` is given.
    other : PLSPredictResult, optional
        A competing model's predictions of the same indicators with the same folds: the test
        then asks whether ``pred`` predicts better than ``other``.

    Returns
    -------
    DataFrame
        One row per endogenous construct and one ``overall`` row: ``construct``,
        ``loss_pls``, ``loss_benchmark``, ``difference`` (mean D), ``t``, ``p`` (one-sided).

    Examples
    --------
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2\\nY ~ X"
    >>> data = sem.simulate(text, n=300, paths={("X", "Y"): 0.5}, seed=2)
    >>> res = sem.cvpat(sem.predict_pls(data, text, repetitions=2, seed=1), "IA")
    >>> bool(res.set_index("construct").loc["overall", "p"] < 0.05)
    True
    """
    if not isinstance(pred, PLSPredictResult):
        raise ParameterError(f"pred: expected the result of sem.predict_pls, got {type(pred).__name__}")
    if other is None:
        key = {"IA": "ia", "LM": "lm"}.get(benchmark)
        if key is None:
            raise ParameterError(f"benchmark: expected 'IA' or 'LM', got {benchmark!r}")
        e_bench = pred.errors[key]
    else:
        if not isinstance(other, PLSPredictResult):
            raise ParameterError(f"other: expected the result of sem.predict_pls, got {type(other).__name__}")
        if (list(other.metrics["indicator"]) != list(pred.metrics["indicator"])
                or other.folds.shape != pred.folds.shape or (other.folds != pred.folds).any()):
            raise ParameterError("other: expected predictions of the same endogenous indicators with the same folds")
        e_bench = other.errors["pls"]
    e_pls = pred.errors["pls"]
    groups = [(c, (pred.metrics["construct"] == c).to_numpy()) for c in pred.metrics["construct"].unique()]
    groups.append(("overall", np.ones(len(pred.metrics), dtype=bool)))
    rows = []
    for name, sel in groups:
        lp = (e_pls[..., sel] ** 2).mean(axis=(0, 2))  # per case: mean over repetitions and items
        lb = (e_bench[..., sel] ** 2).mean(axis=(0, 2))
        d = lb - lp
        n = len(d)
        se = d.std(ddof=1) / np.sqrt(n)
        t = d.mean() / se if se > 0 else np.nan
        rows.append((name, lp.mean(), lb.mean(), d.mean(), t, stats.t.sf(t, n - 1)))
    return pd.DataFrame(rows, columns=["construct", "loss_pls", "loss_benchmark", "difference", "t", "p"])
