"""Spikes on constructed series: a true spike is found; noise, low volume and a thin history are not spikes
(plain Python)."""

import math
import random

import pytest

from advocate.insights.rules import Counts, SpikeTest, change_since, poisson_at_least, spike

TEST = SpikeTest()


def test_the_poisson_tail_is_right():
    assert poisson_at_least(0, 3.0) == 1.0
    assert poisson_at_least(1, 1.0) == pytest.approx(1 - math.exp(-1))
    assert poisson_at_least(3, 2.0) == pytest.approx(1 - math.exp(-2) * (1 + 2 + 2))
    assert poisson_at_least(500, 400.0) == pytest.approx(6.5e-7, rel=0.5)  # far in the tail, no overflow


def test_a_true_spike_is_found():
    # A lamp usually brings 1 contact in 100 orders; this week 12 in 150.
    found = spike(Counts(12, 150), Counts(16, 1600), marketplace_rate=0.01)
    assert found is not None and found.rate == pytest.approx(0.08) and found.p_value < TEST.alpha
    assert 0.009 < found.baseline < 0.012


def test_noise_around_the_baseline_is_not_a_spike():
    """Weeks drawn at the usual rate almost never raise a spike, however many slices are tested."""
    chance = random.Random(7)
    raised = 0
    for _ in range(2000):
        orders = chance.randint(50, 2000)
        week = sum(1 for _ in range(orders) if chance.random() < 0.02)
        if spike(Counts(week, orders), Counts(round(0.02 * orders * 4), orders * 4), marketplace_rate=0.02):
            raised += 1
    assert raised <= 2, raised


def test_too_few_contacts_are_not_a_spike_however_steep():
    assert spike(Counts(4, 5), Counts(0, 400), marketplace_rate=0.01) is None


def test_a_new_product_is_judged_against_the_marketplace_not_against_nothing():
    # No history of its own: the baseline is the marketplace's rate, so 5 in 400 (1.25%) at a 1% marketplace
    # rate is ordinary, while 9 in 40 is not.
    assert spike(Counts(5, 400), Counts(0, 0), marketplace_rate=0.01) is None
    assert spike(Counts(9, 40), Counts(0, 0), marketplace_rate=0.01) is not None


def test_a_rate_that_doubles_on_a_big_slice_is_a_spike_but_a_small_rise_is_not():
    assert spike(Counts(60, 1000), Counts(100, 4000), marketplace_rate=0.025) is not None
    assert spike(Counts(35, 1000), Counts(100, 4000), marketplace_rate=0.025) is None


def test_the_change_after_a_fix():
    assert change_since(Counts(20, 1000), Counts(4, 1000)) == pytest.approx(0.2)
    assert change_since(Counts(0, 1000), Counts(4, 1000)) is None
    assert change_since(Counts(20, 1000), Counts(0, 0)) is None
