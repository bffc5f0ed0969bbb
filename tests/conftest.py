"""Shared fixtures. Tests that need ../shared read it only through ``shared_dir``."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

# the headless-Chromium fixture ``browser`` (tests/helpers/browser.py)
pytest_plugins = ["tests.helpers.browser"]

ROOT = Path(__file__).resolve().parents[1]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the project root (override with CRM_ANALYSIS_SHARED).

    Outside CI a missing folder skips the test; in CI (CI=true) it is an error.
    """
    path = Path(os.environ.get("CRM_ANALYSIS_SHARED", ROOT.parent / "shared")).resolve()
    if not (path / "data").is_dir():
        message = f"../shared not found at {path}: the real data and R references live there"
        if _in_ci():
            pytest.fail(message + " (CI=true: this is an error, not a skip)")
        pytest.skip(message)
    return path


# module scope: each test module gets its own frames (a test that edits one cannot leak into
# another module), read once per module as the modules' own fixtures did
@pytest.fixture(scope="module")
def satisfaction(shared_dir) -> pd.DataFrame:
    """``../shared/data/ecsi_satisfaction.csv`` (R plspm's satisfaction data: 27 items, gender)."""
    return pd.read_csv(shared_dir / "data" / "ecsi_satisfaction.csv", index_col=0)


@pytest.fixture(scope="module")
def mobi(shared_dir) -> pd.DataFrame:
    """``../shared/data/ecsi_mobi.csv`` (the ECSI mobile-phone data of seminr / cSEM: 24 items)."""
    return pd.read_csv(shared_dir / "data" / "ecsi_mobi.csv", index_col=0)
