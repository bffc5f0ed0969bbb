"""Monte Carlo simulation studies of the SEM estimators, serially or on a Dask cluster.

:func:`study` draws ``replications`` data sets per condition of a design grid from a known
common-factor model (:func:`crm_analysis.sem.simulate`), fits each with the estimators asked
for (PLS, PLSc, CB-SEM ML, CB-SEM MLR) and summarises per condition x estimator x parameter:
mean estimate, bias, relative bias, RMSE, CI coverage, power, non-convergence and
improper-solution rates.

- **Reproducible whatever the number of workers.** Replication ``i`` (conditions in design
  order, replications within a condition) gets child ``i`` of ``numpy.random.SeedSequence(seed)``;
  it draws the data from the child's first grandchild and each estimator's bootstrap from the
  next ones. Every fit runs with BLAS limited to one thread, so the numbers do not depend on
  how replications are batched or on which worker runs them.
- **Compute.** ``client=None`` runs in this process; a ``distributed.Client`` (or a scheduler
  address such as ``"tcp://10.0.0.5:8786"``, or ``"local"`` for a LocalCluster on this machine)
  maps batches of replications as Dask tasks: Dask does the scheduling, we only cut the work.

The truth of each parameter is standardised (indicators and latent variables have unit
variance in :func:`~crm_analysis.sem.simulate`): a loading is the indicator's correlation with
its factor, a path the standardised coefficient. PLS and PLSc report standardised estimates and
bootstrap percentile intervals; CB-SEM's standardised solution (``std_all``) is compared, with
the Wald interval ``std_all ± z * se_std_all`` (delta method).
"""
from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from crm_analysis.errors import CRMAnalysisError, ParameterError
from crm_analysis.sem.model import Model, as_model
from crm_analysis.sem.simulation import _loading_values, _path_values, implied_covariance, simulate

__all__ = ["study", "run_replications", "summarise", "expand_design", "ESTIMATORS", "DESIGN_KEYS"]

#: estimator names (case-insensitive): PLS, consistent PLS, CB-SEM by ML and by MLR
ESTIMATORS = ("PLS", "PLSc", "ML", "MLR")
#: keys a design may have; ``n`` is required
DESIGN_KEYS = ("n", "loadings", "paths", "exogenous_cor", "nonnormal", "misspecification")
_NONNORMAL = re.compile(r"^(none|normal|t(\d+(?:\.\d+)?)|likert(\d+))$")

_COLUMNS = ["condition", "replication", "estimator", "kind", "parameter", "truth", "estimate",
            "ci_low", "ci_high", "converged", "proper", "failed"]


# -- the design -----------------------------------------------------------------------------
def _levels(design: Mapping[str, Any], key: str, default: Any) -> list[Any]:
    if key not in design:
        return [default]
    value = design[key]
    if isinstance(value, (list, tuple)) and not (key == "misspecification" and _is_path_map(value)):
        if len(value) == 0:
            raise ParameterError(f"design[{key!r}]: expected at least one level, got an empty list")
        return list(value)
    return [value]


def _is_path_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def _label(value: Any) -> Any:
    """A hashable, readable label of a level (mappings become 'X->Y=0.3, ...')."""
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        parts = []
        for k, v in value.items():
            key = "->".join(k) if isinstance(k, tuple) else str(k)
            parts.append(f"{key}={v:g}" if isinstance(v, (int, float)) else f"{key}={v}")
        return ", ".join(parts)
    return value


def _check_nonnormal(value: Any) -> str:
    if not isinstance(value, str) or not _NONNORMAL.match(value.strip().lower()):
        raise ParameterError(
            f"design['nonnormal']: expected 'none', 't<df>' (multivariate t, df > 4) or "
            f"'likert<k>' (k-point rating scale, 3 <= k <= 11), got {value!r}")
    v = value.strip().lower()
    m = _NONNORMAL.match(v)
    if m.group(2) is not None and float(m.group(2)) <= 4:
        raise ParameterError(f"design['nonnormal']: {value!r}: the t distribution needs df > 4 "
                             f"(finite kurtosis)")
    if m.group(3) is not None and not 3 <= int(m.group(3)) <= 11:
        raise ParameterError(f"design['nonnormal']: {value!r}: a rating scale needs 3 to 11 points")
    return "none" if v == "normal" else v


def _population(model: Model, misspecification: Any) -> Model:
    """The data-generating model: ``model`` plus the paths it omits (``misspecification``)."""
    if misspecification is None:
        return model
    if not isinstance(misspecification, Mapping) or not misspecification:
        raise ParameterError(
            "design['misspecification']: expected None (correct model) or a mapping "
            "{(from, to): path} of paths the population has and the model omits, got "
            f"{misspecification!r}")
    text = model.to_text()
    for key, value in misspecification.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(k in model.constructs for k in key)):
            raise ParameterError(f"design['misspecification']: {key!r} is not a (from, to) pair of "
                                 f"constructs of the model ({model.constructs})")
        if key in model.structural_paths:
            raise ParameterError(f"design['misspecification']: {key!r} is already a path of the model; "
                                 f"name a path the model omits")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise ParameterError(f"design['misspecification'][{key!r}]: expected a number, got {value!r}")
        text += f"\n{key[1]} ~ {key[0]}"
    try:
        return Model(text)
    except CRMAnalysisError as exc:
        raise ParameterError(f"design['misspecification']: the population model is not valid: {exc}") from exc


@dataclass(frozen=True)
class _Condition:
    n: int
    loadings: Any
    paths: Any
    exogenous_cor: float
    nonnormal: str
    misspecification: Any


def expand_design(model: Model | str, design: Mapping[str, Any]) -> tuple[list[_Condition], pd.DataFrame]:
    """Check a design and expand it into its grid of conditions (every combination of levels).

    Parameters
    ----------
    model : Model or str
        The analysis model (reflective blocks).
    design : mapping
        ``n`` (required): sample sizes; ``loadings``: a number or a mapping {construct or
        indicator: loading} (default 0.8); ``paths``: a number or {(from, to): coefficient}
        (default 0.3); ``exogenous_cor`` (default 0); ``nonnormal``: ``"none"``, ``"t<df>"``
        (multivariate t: heavy tails, same correlations) or ``"likert<k>"`` (indicators cut to a
        k-point scale); ``misspecification``: ``None`` or {(from, to): path} of paths present in
        the population but omitted by the model. Each value is one level or a list of levels.

    Returns
    -------
    (conditions, table)
        The conditions in design order and a table of them (one row each, labels readable).

    Examples
    --------
    >>> conds, table = expand_design("X =~ a + b + c\\nY =~ d + e + f\\nY ~ X",
    ...                              {"n": [100, 200], "loadings": [0.6, 0.8]})
    >>> len(conds), list(table["n"])
    (4, [100, 100, 200, 200])
    """
    m = as_model(model)
    if not isinstance(design, Mapping):
        raise ParameterError(f"design: expected a mapping of factor -> levels, got {type(design).__name__}")
    unknown = [k for k in design if k not in DESIGN_KEYS]
    if unknown:
        raise ParameterError(f"design: unknown key(s) {unknown}; the keys are {list(DESIGN_KEYS)}")
    if "n" not in design:
        raise ParameterError("design['n']: required (the sample sizes)")
    if m.interactions or m.higher_order or any(mode != "A" for mode in m.modes.values()):
        raise ParameterError("model: a study needs reflective (=~) blocks without interactions or "
                             "higher-order constructs (the common-factor population of sem.simulate)")
    ns = _levels(design, "n", None)
    for n in ns:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 20:
            raise ParameterError(f"design['n']: expected whole numbers >= 20, got {n!r}")
    grid = list(product(ns, _levels(design, "loadings", 0.8), _levels(design, "paths", 0.3),
                        _levels(design, "exogenous_cor", 0.0), _levels(design, "nonnormal", "none"),
                        _levels(design, "misspecification", None)))
    conditions, rows = [], []
    for n, lam, beta, ecor, nonnormal, mis in grid:
        pop = _population(m, mis)
        pop_paths = _population_paths(m, beta, mis)
        try:
            implied_covariance(pop, paths=pop_paths, loadings=lam, exogenous_cor=ecor)
        except ParameterError as exc:  # names the key: "loadings['x1']: ...", "paths into 'Y' ..."
            raise ParameterError(f"design: {exc}") from exc
        c = _Condition(int(n), lam, beta, float(ecor), _check_nonnormal(nonnormal), mis)
        conditions.append(c)
        rows.append({"n": c.n, "loadings": _label(lam), "paths": _label(beta), "exogenous_cor": c.exogenous_cor,
                     "nonnormal": c.nonnormal, "misspecification": _label(mis)})
    table = pd.DataFrame(rows)
    table.index.name = "condition"
    return conditions, table


def _population_paths(m: Model, beta: Any, mis: Any) -> Any:
    if mis is None:
        return beta
    if isinstance(beta, Mapping):
        return {**dict(beta), **dict(mis)}
    value = 0.3 if beta is None else beta
    return {**{p: value for p in m.structural_paths}, **dict(mis)}


def _truth(m: Model, c: _Condition) -> tuple[list[tuple[str, str]], np.ndarray]:
    """(kind, parameter) labels of the analysis model's parameters and their population values."""
    pop = _population(m, c.misspecification)
    beta = _path_values(pop, _population_paths(m, c.paths, c.misspecification))
    lam = _loading_values(pop, c.loadings)
    labels, values = [], []
    for f, t in m.structural_paths:
        labels.append(("path", f"{f} -> {t}"))
        values.append(beta[(f, t)])
    for con in m.constructs:
        for x in m.indicators[con]:
            labels.append(("loading", f"{con} =~ {x}"))
            values.append(lam[x])
    return labels, np.array(values)


# -- one replication --------------------------------------------------------------------------
def _draw(m: Model, c: _Condition, rng: np.random.Generator) -> pd.DataFrame:
    pop = _population(m, c.misspecification)
    paths = _population_paths(m, c.paths, c.misspecification)
    kind = c.nonnormal
    scale = (1, int(kind[6:])) if kind.startswith("likert") else None
    data = simulate(pop, c.n, paths=paths, loadings=c.loadings, exogenous_cor=c.exogenous_cor,
                    seed=rng, scale=scale)
    if kind.startswith("t"):
        df = float(kind[1:])
        # multivariate t: a normal vector divided by sqrt(chi2_df / df), one draw per respondent;
        # the correlations (hence the standardised truth) are those of the normal model
        w = np.sqrt(rng.chisquare(df, c.n) / df)
        data = data.div(w, axis=0)
    return data


def _fit(estimator: str, data: pd.DataFrame, m: Model, labels: list[tuple[str, str]], bootstrap: int,
         ci_level: float, rng: np.random.Generator) -> tuple[np.ndarray, bool, bool, bool]:
    """(estimates x [estimate, ci_low, ci_high], converged, proper, failed)."""
    out = np.full((len(labels), 3), np.nan)
    try:
        if estimator in ("PLS", "PLSc"):
            from crm_analysis.sem.pls import estimate_pls

            res = estimate_pls(data, m, bootstrap=bootstrap, seed=rng, ci_level=ci_level,
                               consistent=estimator == "PLSc")
            paths = res.paths.set_index(["from", "to"])
            loads = res.loadings.set_index(["construct", "indicator"])
            cols = ["estimate", "ci_low", "ci_high"] if bootstrap else ["estimate"]
            R = res.lv_correlations.to_numpy()
            proper = bool(np.all(np.abs(res.loadings["estimate"].to_numpy()) <= 1)
                          and np.all(np.abs(R[~np.eye(len(R), dtype=bool)]) < 1))
            converged = bool(res.converged)
        else:
            from crm_analysis.sem.cbsem import estimate_cbsem

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = estimate_cbsem(data, m, estimator=estimator)
            z = stats.norm.ppf(0.5 + ci_level / 2)
            paths = res.paths.set_index(["from", "to"])
            loads = res.loadings.set_index(["construct", "indicator"])
            for tab in (paths, loads):
                tab["estimate"] = tab["std_all"]
                tab["ci_low"] = tab["std_all"] - z * tab["se_std_all"]
                tab["ci_high"] = tab["std_all"] + z * tab["se_std_all"]
            cols = ["estimate", "ci_low", "ci_high"]
            converged, proper = bool(res.converged), bool(res.is_proper)
    except (CRMAnalysisError, np.linalg.LinAlgError):
        return out, False, False, True
    for i, (kind, name) in enumerate(labels):
        if kind == "path":
            f, t = name.split(" -> ")
            row = paths.loc[(f, t)]
        else:
            con, x = name.split(" =~ ")
            row = loads.loc[(con, x)]
        out[i, :len(cols)] = row[cols].to_numpy(dtype=float)
    return out, converged, proper, False


@dataclass(frozen=True)
class _Task:
    model_text: str
    condition_index: int
    condition: _Condition
    replications: tuple[int, ...]        # replication numbers within the condition
    seeds: tuple[np.random.SeedSequence, ...]
    estimators: tuple[str, ...]
    bootstrap: int
    ci_level: float


def _run_task(task: _Task) -> dict[str, np.ndarray]:
    """Fit every replication of one batch; runs on a worker (or in this process)."""
    m = Model(task.model_text)
    labels, truth = _truth(m, task.condition)
    E, P = len(task.estimators), len(labels)
    R = len(task.replications)
    values = np.full((R, E, P, 3), np.nan)
    flags = np.zeros((R, E, 3), dtype=bool)  # converged, proper, failed
    with threadpool_limits(1):
        for r, seq in enumerate(task.seeds):
            children = seq.spawn(1 + E)
            data = _draw(m, task.condition, np.random.default_rng(children[0]))
            for e, est in enumerate(task.estimators):
                v, conv, prop, failed = _fit(est, data, m, labels, task.bootstrap, task.ci_level,
                                             np.random.default_rng(children[1 + e]))
                values[r, e] = v
                flags[r, e] = (conv, prop, failed)
    return {"condition": np.full(R, task.condition_index), "replication": np.array(task.replications),
            "values": values, "flags": flags, "truth": truth,
            "kind": np.array([k for k, _ in labels]), "parameter": np.array([p for _, p in labels])}


def _check_estimators(estimators: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(estimators, str):
        estimators = [estimators]
    if not isinstance(estimators, Sequence) or len(estimators) == 0:
        raise ParameterError(f"estimators: expected a non-empty list among {list(ESTIMATORS)}")
    canon = {e.lower(): e for e in ESTIMATORS}
    canon.update({"cbsem-ml": "ML", "cbsem-mlr": "MLR", "cb-sem ml": "ML", "cb-sem mlr": "MLR"})
    out = []
    for e in estimators:
        key = e.strip().lower() if isinstance(e, str) else None
        if key not in canon:
            raise ParameterError(f"estimators: unknown estimator {e!r}; choose among {list(ESTIMATORS)}")
        if canon[key] not in out:
            out.append(canon[key])
    return tuple(out)


def _positive(name: str, value: Any, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ParameterError(f"{name}: expected a whole number >= {low}, got {value!r}")
    return int(value)


def _connect(client: Any) -> tuple[Any, list[Any]]:
    """(client or None, things to close afterwards)."""
    if client is None:
        return None, []
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise ParameterError("client: dask.distributed is not installed (pip install 'dask[distributed]')") from exc
    if isinstance(client, Client):
        return client, []
    if isinstance(client, str):
        if client == "local":
            cluster = LocalCluster(threads_per_worker=1, dashboard_address=None)
            c = Client(cluster)
            return c, [c, cluster]
        try:
            c = Client(client, timeout="10s")
        except OSError as exc:
            raise ParameterError(f"client: cannot reach a Dask scheduler at {client!r}: {exc}") from exc
        return c, [c]
    raise ParameterError(f"client: expected None, a distributed.Client, 'local' or a scheduler address, "
                         f"got {type(client).__name__}")


def run_replications(
    model: Model | str,
    design: Mapping[str, Any],
    estimators: str | Sequence[str] = ESTIMATORS,
    replications: int = 100,
    seed: int = 0,
    client: Any = None,
    *,
    bootstrap: int = 200,
    ci_level: float = 0.95,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Every replication's estimates: one row per condition x replication x estimator x parameter.

    Parameters are those of :func:`study`. Columns: ``condition, replication, estimator, kind
    ("path"/"loading"), parameter, truth, estimate, ci_low, ci_high, converged, proper, failed``
    (``failed``: the estimator raised an input or numerical error, e.g. a constant indicator).
    ``df.attrs["conditions"]`` holds the conditions table and ``df.attrs["elapsed"]`` the
    wall time in seconds.

    Examples
    --------
    >>> raw = run_replications("X =~ a + b + c\\nY =~ d + e + f\\nY ~ X", {"n": 100}, ["PLS"],
    ...                        replications=3, bootstrap=0)
    >>> raw.groupby("replication").size().tolist()   # 1 path + 6 loadings per replication
    [7, 7, 7]
    """
    m = as_model(model)
    conditions, table = expand_design(m, design)
    ests = _check_estimators(estimators)
    R = _positive("replications", replications)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed: expected a non-negative whole number, got {seed!r}")
    B = int(bootstrap) if isinstance(bootstrap, (int, np.integer)) and not isinstance(bootstrap, bool) else -1
    if B != 0 and B < 10:
        raise ParameterError(f"bootstrap: expected 0 (no PLS intervals) or >= 10 resamples, got {bootstrap!r}")
    if not isinstance(ci_level, float) or not 0 < ci_level < 1:
        raise ParameterError(f"ci_level: expected a number in (0, 1), got {ci_level!r}")
    if batch_size is not None:
        batch_size = _positive("batch_size", batch_size)
    children = np.random.SeedSequence(int(seed)).spawn(len(conditions) * R)
    start = time.perf_counter()
    c, to_close = _connect(client)
    try:
        if batch_size is None:
            if c is None:
                batch_size = R
            else:
                workers = max(1, sum(c.nthreads().values()))  # worker threads of the whole cluster
                # about four batches per worker thread: few enough to amortise the overhead,
                # enough to balance the load
                batch_size = max(1, math.ceil(len(conditions) * R / (4 * workers)))
        text = m.to_text()
        tasks = []
        for ci, cond in enumerate(conditions):
            for s in range(0, R, batch_size):
                reps = tuple(range(s, min(R, s + batch_size)))
                tasks.append(_Task(text, ci, cond, reps, tuple(children[ci * R + r] for r in reps),
                                   ests, B, float(ci_level)))
        if c is None:
            parts = [_run_task(t) for t in tasks]
        else:
            parts = c.gather(c.map(_run_task, tasks, pure=False))
    finally:
        for obj in to_close:
            obj.close()
    frame = _to_frame(parts, ests)
    frame.attrs["conditions"] = table
    frame.attrs["elapsed"] = time.perf_counter() - start
    frame.attrs["tasks"] = len(tasks)
    return frame


def _to_frame(parts: list[dict[str, np.ndarray]], ests: tuple[str, ...]) -> pd.DataFrame:
    frames = []
    for p in parts:
        R, E, P, _ = p["values"].shape
        rr, ee, pp = np.meshgrid(np.arange(R), np.arange(E), np.arange(P), indexing="ij")
        rr, ee, pp = rr.ravel(), ee.ravel(), pp.ravel()
        v = p["values"].reshape(-1, 3)
        fl = p["flags"][rr, ee]
        frames.append(pd.DataFrame({
            "condition": p["condition"][rr], "replication": p["replication"][rr],
            "estimator": np.array(ests, dtype=object)[ee], "kind": p["kind"][pp],
            "parameter": p["parameter"][pp], "truth": p["truth"][pp], "estimate": v[:, 0],
            "ci_low": v[:, 1], "ci_high": v[:, 2], "converged": fl[:, 0], "proper": fl[:, 1],
            "failed": fl[:, 2]}))
    out = pd.concat(frames, ignore_index=True)
    out["estimator"] = pd.Categorical(out["estimator"], categories=list(ests))
    return out.sort_values(["condition", "replication", "estimator"], kind="stable").reset_index(drop=True)[_COLUMNS]


def summarise(raw: pd.DataFrame, conditions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summarise :func:`run_replications` per condition x estimator x parameter.

    Estimates enter the statistics when the fit converged (improper solutions included, their
    rate reported): ``replications`` (run), ``used`` (converged), ``mean``, ``sd``, ``bias``
    (mean - truth), ``rel_bias`` (bias / truth; NaN for a zero truth), ``rmse``, ``coverage``
    (share of intervals containing the truth), ``power`` (share of intervals excluding 0: the
    type-I error rate where the truth is 0), ``nonconvergence`` (share not converged, failures
    included) and ``improper`` (share of converged fits with an improper solution: for CB-SEM
    lavaan's definition, ``CBSEMResult.is_proper``; for PLS and PLSc a loading beyond ±1 or a
    construct correlation of ±1 or beyond, PLSc's inadmissible solution).

    Examples
    --------
    >>> raw = run_replications("X =~ a + b + c\\nY =~ d + e + f\\nY ~ X", {"n": 100}, ["PLS"],
    ...                        replications=5, bootstrap=0)
    >>> table = summarise(raw)
    >>> row = table[table["kind"] == "path"].iloc[0]
    >>> row["estimator"], row["parameter"], int(row["used"])
    ('PLS', 'X -> Y', 5)
    """
    need = set(_COLUMNS)
    if not isinstance(raw, pd.DataFrame) or not need <= set(raw.columns):
        raise ParameterError(f"raw: expected the table of run_replications (columns {_COLUMNS})")
    d = raw.copy()
    ok = d["converged"] & ~d["failed"]
    d["err"] = np.where(ok, d["estimate"] - d["truth"], np.nan)
    d["est"] = np.where(ok, d["estimate"], np.nan)
    has_ci = ok & d["ci_low"].notna() & d["ci_high"].notna()
    d["cover"] = np.where(has_ci, (d["ci_low"] <= d["truth"]) & (d["truth"] <= d["ci_high"]), np.nan)
    d["reject"] = np.where(has_ci, (d["ci_low"] > 0) | (d["ci_high"] < 0), np.nan)
    d["used"] = ok
    d["nonconv"] = ~ok
    d["improper_"] = np.where(ok, ~d["proper"], np.nan)
    d["sq"] = d["err"] ** 2
    keys = ["condition", "estimator", "kind", "parameter"]
    g = d.groupby(keys, observed=True, sort=False)
    out = g.agg(truth=("truth", "first"), replications=("replication", "size"), used=("used", "sum"),
                mean=("est", "mean"), sd=("est", "std"), bias=("err", "mean"), mse=("sq", "mean"),
                coverage=("cover", "mean"), power=("reject", "mean"), nonconvergence=("nonconv", "mean"),
                improper=("improper_", "mean")).reset_index()
    out["rmse"] = np.sqrt(out.pop("mse"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_bias"] = np.where(out["truth"] != 0, out["bias"] / out["truth"], np.nan)
    out["used"] = out["used"].astype(int)
    cols = ["condition", "estimator", "kind", "parameter", "truth", "replications", "used", "mean", "sd",
            "bias", "rel_bias", "rmse", "coverage", "power", "nonconvergence", "improper"]
    out = out[cols]
    conditions = raw.attrs.get("conditions") if conditions is None else conditions
    if conditions is not None:
        out = conditions.reset_index().merge(out, on="condition", how="right")
    return out.sort_values(["condition", "estimator", "kind", "parameter"], kind="stable").reset_index(drop=True)


def study(
    model: Model | str,
    design: Mapping[str, Any],
    estimators: str | Sequence[str] = ESTIMATORS,
    replications: int = 100,
    seed: int = 0,
    client: Any = None,
    *,
    bootstrap: int = 200,
    ci_level: float = 0.95,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Monte Carlo study: bias, RMSE, coverage and power of SEM estimators over a design grid.

    Parameters
    ----------
    model : Model or str
        The analysis model (reflective ``=~`` blocks and ``~`` paths); data are drawn from it
        (plus any omitted paths, see ``misspecification``) by :func:`~crm_analysis.sem.simulate`.
    design : mapping
        Factors and their levels (each a value or a list): ``n`` (required, >= 20),
        ``loadings``, ``paths``, ``exogenous_cor``, ``nonnormal`` (``"none"``, ``"t5"``, ...,
        ``"likert5"``, ...) and ``misspecification`` (``None`` or {(from, to): path} omitted by
        the model); see :func:`expand_design`. Every combination is a condition.
    estimators : list of {"PLS", "PLSc", "ML", "MLR"}
        ``ML`` and ``MLR`` are CB-SEM (:func:`~crm_analysis.sem.estimate_cbsem`).
    replications : int
        Data sets per condition.
    seed : int
        Root of ``numpy.random.SeedSequence``; the same seed gives the same table with any
        ``client`` and any number of workers.
    client : None, distributed.Client, "local" or str
        ``None``: serially in this process. A Dask client, or a scheduler address
        (``"tcp://host:8786"``), or ``"local"`` (a LocalCluster with one thread per worker,
        closed afterwards): batches of replications run as Dask tasks.
    bootstrap : int
        Bootstrap resamples behind each PLS/PLSc interval (0: no intervals, so no coverage or
        power for PLS).
    ci_level : float
        Level of the intervals (coverage is judged against it).
    batch_size : int, optional
        Replications per Dask task (default: about four tasks per worker thread).

    Returns
    -------
    DataFrame
        One row per condition x estimator x parameter: the condition's levels, ``estimator,
        kind, parameter, truth, replications, used, mean, sd, bias, rel_bias, rmse, coverage,
        power, nonconvergence, improper`` (see :func:`summarise`). ``attrs["elapsed"]`` is the
        wall time, ``attrs["tasks"]`` the number of tasks.

    Raises
    ------
    ParameterError
        A design key that is unknown or has bad levels (named), an unknown estimator, a bad
        seed, replications or client.

    Examples
    --------
    >>> from crm_analysis import sem
    >>> text = "X =~ x1 + x2 + x3\\nY =~ y1 + y2 + y3\\nY ~ X"
    >>> table = sem.study(text, {"n": 200, "loadings": 0.7, "paths": 0.4}, ["PLS", "PLSc"],
    ...                   replications=20, bootstrap=0, seed=1)
    >>> pls = table.query("estimator == 'PLS' and kind == 'path'")["bias"].item()
    >>> plsc = table.query("estimator == 'PLSc' and kind == 'path'")["bias"].item()
    >>> pls < 0 and abs(plsc) < abs(pls)   # PLS attenuates the path, PLSc corrects it
    True
    """
    raw = run_replications(model, design, estimators, replications, seed, client, bootstrap=bootstrap,
                           ci_level=ci_level, batch_size=batch_size)
    out = summarise(raw)
    out.attrs.update(elapsed=raw.attrs["elapsed"], tasks=raw.attrs["tasks"])
    return out


_STAT_LABELS = {"bias": ("bias", "偏差"), "rel_bias": ("relative bias", "相对偏差"), "rmse": ("RMSE", "均方根误差"),
                "coverage": ("CI coverage", "置信区间覆盖率"), "power": ("power", "检验功效"),
                "nonconvergence": ("non-convergence rate", "不收敛率"), "improper": ("improper-solution rate", "不当解比率")}


def overview(table: pd.DataFrame, by: Sequence[str] = ("n",)) -> pd.DataFrame:
    """Mean of each statistic over the parameters of a kind: one row per ``by`` x estimator x kind.

    Examples
    --------
    >>> raw = run_replications("X =~ a + b + c\\nY =~ d + e + f\\nY ~ X", {"n": 100}, ["PLS"],
    ...                        replications=3, bootstrap=0)
    >>> list(overview(summarise(raw))["kind"])
    ['loading', 'path']
    """
    missing = [c for c in (*by, "estimator", "kind") if c not in table.columns]
    if missing:
        raise ParameterError(f"by: {missing} are not columns of the study table")
    stats_cols = ["bias", "rel_bias", "rmse", "coverage", "power", "nonconvergence", "improper"]
    return (table.groupby([*by, "estimator", "kind"], observed=True, sort=True)[stats_cols].mean()
            .reset_index())


def plot_study(table: pd.DataFrame, statistic: str = "bias", *, by: str = "n", lang: str = "en",
               level: float | None = None, ax: Any = None) -> Any:
    """Bar chart of one statistic per estimator, loadings and paths side by side, bars by ``by``.

    ``level`` draws a reference line (e.g. 0.95 for coverage; 0 is drawn for bias).

    Examples
    --------
    >>> raw = run_replications("X =~ a + b + c\\nY =~ d + e + f\\nY ~ X", {"n": [60, 120]}, ["PLS"],
    ...                        replications=3, bootstrap=0)
    >>> axes = plot_study(summarise(raw), "bias")
    >>> len(axes)
    2
    """
    import matplotlib.pyplot as plt

    from crm_analysis.i18n import check_lang, t

    check_lang(lang)
    if statistic not in _STAT_LABELS:
        raise ParameterError(f"statistic={statistic!r}: expected one of {list(_STAT_LABELS)}")
    ov = overview(table, (by,))
    kinds = [k for k in ("loading", "path") if k in set(ov["kind"])]
    if ax is None:
        _, ax = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 3.6), squeeze=False, sharey=True)
        ax = ax[0]
    names = {"loading": ("loadings", "载荷"), "path": ("paths", "路径系数")}
    levels = sorted(ov[by].unique())
    estimators = [e for e in ov["estimator"].cat.categories if e in set(ov["estimator"])] \
        if hasattr(ov["estimator"], "cat") else sorted(ov["estimator"].unique())
    width = 0.8 / max(1, len(levels))
    for a, kind in zip(ax, kinds):
        part = ov[ov["kind"] == kind]
        for i, lev in enumerate(levels):
            row = part[part[by] == lev].set_index("estimator").reindex(estimators)
            a.bar(np.arange(len(estimators)) + (i - (len(levels) - 1) / 2) * width, row[statistic], width,
                  label=f"{by} = {lev}")
        a.set_xticks(np.arange(len(estimators)), estimators)
        a.set_title(t(*names[kind], lang))
        a.axhline(0 if level is None else level, color="0.3", lw=0.8, ls="--" if level is not None else "-")
        a.set_ylabel(t(*_STAT_LABELS[statistic], lang))
    ax[0].legend(fontsize="small")
    return ax
