"""Customer segmentations on transactions, and how well each tells valuable customers apart.

- :func:`read_transactions` / :func:`check_transactions`: read and check a transactions file;
  Parquet files, folders, globs and DuckDB databases stay on disk (:func:`open_transactions`,
  aggregated per customer by DuckDB; :func:`simulate_parquet` writes large synthetic sets).
- :func:`rfm`: recency, frequency, monetary per customer with the seed's 8-class mean split
  (重要价值客户 ... 一般挽留客户) and quintile scores with named segments.
- :func:`pareto`: Buttle's strategically significant customers (80/20);
  :func:`idic`: IDIC differentiation (value × potential).
- :func:`clv`: BG/NBD + Gamma-Gamma predicted value (:func:`fit_bgnbd`, :func:`fit_gamma_gamma`).
- :func:`evaluate`: calibration/holdout comparison of the schemes (captured revenue, lift, AUC,
  Gini / Lorenz, stability, adjusted Rand agreement).
- :func:`fair_comparison`: the schemes like with like: at equal depth (best 10/20/30 %), beside
  naive baselines (recency, frequency, monetary alone), segment orders learned on calibration
  data, bootstrap intervals on every figure and on the differences.
- :func:`segment_names` / :func:`recommended_actions`: names and actions in English and Chinese.

Money totals are exact when every amount is a whole number of cents (or of another decimal unit
down to 0.0001): the same to the last bit in any row order, in memory or in DuckDB on any number
of threads (:mod:`crm_analysis.segment.money`).

Examples
--------
>>> import pandas as pd
>>> from crm_analysis import segment
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                    "date": pd.to_datetime(["1997-01-01", "1997-03-01", "1997-02-01"]),
...                    "dollar_value": [10.0, 30.0, 5.0]})
>>> segment.rfm(tx)["segment_mean_split_zh"].tolist()
['重要价值客户', '一般挽留客户']
"""
from __future__ import annotations

from crm_analysis.segment.cdnow import cdnow_sample
from crm_analysis.segment.clv_models import (BGNBDFit, CLVResult, GammaGammaFit, bgnbd_loglik, clv, clv_summary,
                                      fit_bgnbd, fit_gamma_gamma, gamma_gamma_loglik)
from crm_analysis.segment.evaluate import EvaluationResult, evaluate, split_periods
from crm_analysis.segment import fair
from crm_analysis.segment.fair import FairComparison, fair_comparison
from crm_analysis.segment.metrics import adjusted_rand, auc, captured_share, gini, lift, lorenz_curve, stability
from crm_analysis.segment.outofcore import Transactions, open_transactions, simulate_parquet
from crm_analysis.segment.names import SCHEMES, recommended_actions, segment_names, translate
from crm_analysis.segment.plots import plot_agreement, plot_lorenz, plot_segments
from crm_analysis.segment.reader import ReadReport, TransactionWarning, check_transactions, read_transactions
from crm_analysis.segment.rfm import mean_split, quintile_scores, rfm, score
from crm_analysis.segment.simulate import simulate_transactions
from crm_analysis.segment.value import idic, pareto, purchase_rate
from crm_analysis.segment.summary import frameworks_summary

__all__ = [
    "BGNBDFit", "CLVResult", "EvaluationResult", "FairComparison", "fair", "fair_comparison", "frameworks_summary", "GammaGammaFit", "ReadReport", "SCHEMES", "TransactionWarning",
    "adjusted_rand", "auc", "bgnbd_loglik", "captured_share", "cdnow_sample", "check_transactions", "clv",
    "clv_summary", "evaluate", "fit_bgnbd", "fit_gamma_gamma", "gamma_gamma_loglik", "gini", "idic", "lift",
    "lorenz_curve", "mean_split", "pareto", "plot_agreement", "plot_lorenz", "plot_segments", "purchase_rate", "quintile_scores", "read_transactions",
    "recommended_actions", "rfm", "score", "segment_names", "simulate_transactions", "split_periods",
    "stability", "translate", "Transactions", "open_transactions", "simulate_parquet",
]
