"""The shipped synthetic ECSI survey: reproducible from its recorded seed and true values."""
from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import csi, sem
from crm_analysis.csi import synthetic


@pytest.fixture(scope="module")
def shipped(repo_root) -> pd.DataFrame:
    return pd.read_csv(repo_root / "data" / "ecsi_synthetic.csv")


def test_file_is_regenerated_exactly_from_the_recorded_seed(shipped) -> None:
    again = synthetic.ecsi_synthetic(synthetic.SEED)
    pd.testing.assert_frame_equal(shipped, again, check_dtype=False)
    assert synthetic.SEED == 20240601


def test_layout_and_scale(shipped, repo_root) -> None:
    survey = csi.read_survey(repo_root / "data" / "ecsi_synthetic.csv", scale=(1, 10), model="ecsi",
                             group="gender")
    assert survey.items == csi.preset("ecsi").all_indicators
    assert survey.n == 400 and not survey.warnings
    assert survey.data["gender"].value_counts().to_dict() == {"female": 240, "male": 160}
    readme = (repo_root / "data" / "README.md").read_text(encoding="utf-8")
    assert "20240601" in readme
    for (f, t), v in synthetic.TRUE_PATHS["female"].items():
        (line,) = [ln for ln in readme.splitlines() if f"{f} → {t}" in ln]
        cells = [c.strip(" *") for c in line.split("|")]
        assert cells[2:4] == [f"{v:.2f}", f"{synthetic.TRUE_PATHS['male'][(f, t)]:.2f}"], line


def test_true_structure_is_recovered(shipped) -> None:
    fit = sem.estimate_pls(shipped, csi.preset("ecsi"))
    est = fit.paths.set_index(["from", "to"])["estimate"]
    # the strongest true paths come out clearly, the near-zero ones do not
    for path in [("Quality", "Satisfaction"), ("Satisfaction", "Loyalty"), ("Satisfaction", "Complaints")]:
        assert est[path] > 0.2
    for path in [("Expectation", "Satisfaction"), ("Complaints", "Loyalty")]:
        assert abs(est[path]) < 0.12
    cmp = csi.compare_groups(shipped, csi.preset("ecsi"), "gender", permutations=1000, bootstrap=500, seed=1)
    sig = cmp.significant(0.05)
    assert set(zip(sig["from"], sig["to"])) == {("Value", "Satisfaction"), ("Image", "Loyalty")}
    assert (sig["p_permutation"] < 0.01).all()
