import pytest

from crm_analysis.errors import ParameterError
from crm_analysis.i18n import p_text, t


def test_t_picks_language_and_refuses_others():
    assert t("Loyalty", "忠诚度", "zh") == "忠诚度" and t("Loyalty", "忠诚度", "en") == "Loyalty"
    with pytest.raises(ParameterError, match="lang='fr'"):
        t("a", "b", "fr")


def test_p_text():
    assert p_text(0.0001) == "p < 0.001" and p_text(0.0423) == "p = 0.042" and p_text(0.001) == "p = 0.001"
