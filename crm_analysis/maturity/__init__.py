"""CRM maturity: an instrument, two grading schemes, and their evaluation.

Grading (for consultants)
    :func:`load_instrument`, :func:`check_assessments`, :func:`read_assessments`,
    :func:`score`, :func:`grade` (``"three_level"`` after source 000, ``"five_level"`` ladder
    after source 002), :func:`improvement_agenda`.

Evaluation (for researchers)
    :func:`reliability` (Cronbach's alpha and McDonald's omega with CIs), :func:`cfa`,
    :func:`weighted_kappa`, :func:`agreement`, :func:`rater_agreement`,
    :func:`compare_grouping`, :func:`threshold_sensitivity`, :func:`bootstrap_stability`,
    :func:`guttman`, :func:`predictive_validity`, :func:`simulate`.

Rigour (issue 16)
    :func:`data_kind`, :func:`banner`: simulated data are labelled as such (verification, not
    validation); :func:`threshold_note` (the thresholds are a convention), :func:`rule_bias`
    (weakest-dimension vs mean rule under measurement error), :func:`mixed_profiles`,
    :func:`rater_agreement_icc` (ICC(1), ICC(2), rwg(j) before raters are averaged), :func:`htmt`,
    :func:`double_barrelled` (items that ask two things at once; the eight of instrument 1.0
    were split in version 2.0, which declares the four that still do: SRV2, L1_3, L4_1, L5_2).

Outcomes from data
    Outcomes for predictive validity are firm-level ``outcome_<name>`` columns. Outcomes that
    the firms' records can supply are better than raters' impressions and must be measured after
    grading: :func:`outcomes_from_transactions` computes each firm's repeat-purchase rate (and
    revenue per customer) in the months after the grading date from a transactions file with a
    ``firm`` column, and :func:`add_outcomes` adds them to the assessments.

Assessment file format
----------------------
A UTF-8 CSV file (or DataFrame), *wide*: one row per firm and rater.

``firm`` (required)
    Firm id (text).
``rater`` (optional)
    Rater id, unique within a firm. Without it every row of a firm is a separate rater,
    numbered ``R1``, ``R2``, ... in file order.
Likert item columns (required: every item of the instrument)
    Named by item id (``SAT1`` ... ``IMG4`` in the packaged instrument, 24 items: ``SAT3a``,
    ``SAT3b``, ``LOY2a``, ``LOY2b``, ``SRV4a``, ``SRV4b``, ``IMG3a``, ``IMG3b`` replace the
    double-barrelled ``SAT3``, ``LOY2``, ``SRV4``, ``IMG3`` of version 1.0); whole numbers on the
    item's scale (1-5). Reverse-coded items are entered as answered; scoring flips them.
    An empty cell is a missing answer (see :func:`score` for the rule).
Ladder criterion columns (optional, all or none)
    Named by criterion id (``L1_1`` ... ``L5_3b``, 20 criteria: ``L2_3a/b``, ``L3_1a/b/c``,
    ``L3_3a/b``, ``L5_3a/b`` replace ``L2_3``, ``L3_1``, ``L3_3``, ``L5_3`` of version 1.0);
    1 = the practice is in place, 0 = not. Needed for the five-level ladder.
Firm-level columns (optional; one value per firm, repeated on its rows)
    ``expert_level`` (an expert's three-level grade, 1-3), ``expert_rung`` (an expert's rung,
    0-5), ``outcome_*`` (outcomes for predictive validity, e.g. ``outcome_retention``),
    ``true_*`` (known truth, simulated data only).

Any other column is refused as an unknown item id; a column named by an item of an earlier
version that was split (``SAT3``, ``L3_1``, ...; :attr:`Instrument.splits`) is refused with a
message naming the items that replace it (old answers cannot be carried over to them). :func:`check_assessments` lists every
problem with its line, firm, rater and item; :func:`read_assessments` raises
:class:`~crm_analysis.errors.InputError` with that list.

Examples
--------
>>> from crm_analysis import maturity
>>> df = maturity.simulate(30, n_raters=3, seed=11)
>>> grades = maturity.grade(df, "three_level")
>>> bool(grades["level"].isin([1, 2, 3]).all())
True
"""
from __future__ import annotations

from .assessments import check_assessments, read_assessments, reverse_coded, score
from .grading import (
    agenda_catalog,
    check_thresholds,
    default_thresholds,
    grade,
    improvement_agenda,
    level_name,
    level_table,
    rung_matrix,
    rung_shares,
)
from .instrument import DEFAULT_INSTRUMENT, INSTRUMENT_V1, Instrument, load_instrument, parse_instrument
from .reliability import Reliability, cronbach_alpha, mcdonald_omega, reliability
from .simulate import simulate
from .rigour import (add_outcomes, double_barrelled, htmt, icc_oneway, mixed_profiles, outcomes_from_transactions, rater_agreement_icc,
                     rule_bias, rwg_j, threshold_note)
from .disclosure import banner, data_kind, headline_prefix, pilot_requirements, section_label, verification_validation
from .plots import (
    plot_confusion,
    plot_grade_distribution,
    plot_radar,
    plot_rung_pass,
    plot_sensitivity,
    plot_stability,
)
from .validity import CFAResult, PredictiveValidity, cfa, predictive_validity
from .guttman import guttman, guttman_errors, rung_pass_rates
from .stability import Stability, bootstrap_stability, threshold_sensitivity
from .agreement import (
    GroupingComparison,
    agreement,
    compare_grouping,
    confusion,
    expert_agreement,
    rater_agreement,
    weighted_kappa,
)

from .summary import maturity_summary

__all__ = [
    "maturity_summary",
    "add_outcomes",
    "double_barrelled",
    "htmt",
    "icc_oneway",
    "mixed_profiles",
    "outcomes_from_transactions",
    "rater_agreement_icc",
    "rule_bias",
    "rwg_j",
    "threshold_note",
    "banner",
    "data_kind",
    "headline_prefix",
    "pilot_requirements",
    "section_label",
    "verification_validation",
    "plot_confusion",
    "plot_grade_distribution",
    "plot_radar",
    "plot_rung_pass",
    "plot_sensitivity",
    "plot_stability",
    "CFAResult",
    "PredictiveValidity",
    "cfa",
    "predictive_validity",
    "Stability",
    "bootstrap_stability",
    "guttman",
    "guttman_errors",
    "rung_pass_rates",
    "threshold_sensitivity",
    "GroupingComparison",
    "Reliability",
    "agreement",
    "compare_grouping",
    "confusion",
    "cronbach_alpha",
    "expert_agreement",
    "mcdonald_omega",
    "rater_agreement",
    "reliability",
    "weighted_kappa",
    "DEFAULT_INSTRUMENT",
    "INSTRUMENT_V1",
    "Instrument",
    "agenda_catalog",
    "check_assessments",
    "check_thresholds",
    "default_thresholds",
    "grade",
    "improvement_agenda",
    "level_name",
    "level_table",
    "load_instrument",
    "parse_instrument",
    "read_assessments",
    "reverse_coded",
    "rung_matrix",
    "rung_shares",
    "score",
    "simulate",
]
