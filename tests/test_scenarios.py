"""Policy scenarios: known answers, inputs read from the evidence base, years from decisions."""

import math
from dataclasses import replace

import pytest

from essnum.data import evidence
from essnum.funding import scenarios


def test_procurement_reservation_for_a_given_envelope():
    table = scenarios.procurement_reservation([2_000_000])
    assert table["rate"].tolist() == [5.0, 10.0]
    assert table["reserved_eur"].tolist() == [100_000.0, 200_000.0]
    with pytest.raises(ValueError, match="non-negative"):
        scenarios.procurement_reservation([-1])


def test_reconditioning_growth_and_share_of_the_reconditioned_devices():
    result = scenarios.reconditioning_gap()
    assert result["years"] == 2030 - 2025
    assert result["annual_growth"] == pytest.approx(100 * (math.exp(math.log(8) / 5) - 1))
    assert result["annual_growth"] == pytest.approx(51.5717, abs=1e-4)
    assert result["share_of_reconditioned_target"] == pytest.approx(100 * 2_000_000 / 4_300_000)
    assert result["path"]["computers"].iloc[0] == pytest.approx(250_000)
    assert result["path"]["computers"].iloc[-1] == pytest.approx(2_000_000)


def test_hybrid_posts_per_year_from_the_reference_year():
    result = scenarios.hybrid_posts()
    assert result["target_year"] == 2030 and result["posts_per_year"] == pytest.approx(1000)
    assert result["path"]["cumulative_posts"].iloc[-1] == pytest.approx(5000)


def test_now_is_the_decided_reference_year_not_the_clock(monkeypatch):
    real = scenarios.decision
    monkeypatch.setattr(scenarios, "decision",
                        lambda key: 2027 if key == "scenarios.reference_year" else real(key))
    assert scenarios.hybrid_posts()["posts_per_year"] == pytest.approx(5000 / 3)
    monkeypatch.setattr(scenarios, "decision",
                        lambda key: 2030 if key == "scenarios.reference_year" else real(key))
    with pytest.raises(ValueError, match="must be after the reference year"):
        scenarios.reconditioning_gap()


def test_inputs_come_from_the_evidence_base(monkeypatch):
    real = evidence.figure

    def changed(fid, *args):
        fig = real(fid, *args)
        return replace(fig, value=500_000.0) if fid == scenarios.RECOND_CURRENT else fig

    monkeypatch.setattr(evidence, "figure", changed)
    result = scenarios.reconditioning_gap()
    assert result["multiplier"] == pytest.approx(4) and scenarios.RECOND_CURRENT in result["inputs"]


def test_scenarios_returns_the_three_named_results():
    assert set(scenarios.scenarios()) == {"procurement", "reconditioning", "hybrid_posts"}
