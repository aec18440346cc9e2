"""The rules on their own (plain Python): when each step falls due, and what switching a rule on does not do."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from advocate.proactive import rules

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def history(**changes) -> rules.History:
    values = {"ship_by": NOW - 3 * DAY, "promised_latest": NOW + DAY, "total": Decimal("80.00"),
              "parcels": (rules.Parcel(shipped_at=NOW - 4 * DAY, delivered_at=None, estimate=NOW + DAY,
                                       scans=(NOW - 3 * DAY,)),)}
    return rules.History(**{**values, **changes})


def test_late_only_once_the_carrier_expects_it_after_the_promise_or_its_estimate_passed():
    on_time = history()
    assert not rules.late_due(on_time, NOW, rules.Settings())
    assert rules.late_due(on_time, NOW + DAY + timedelta(minutes=1), rules.Settings()), "its estimate passed"
    later = history(parcels=(rules.Parcel(shipped_at=NOW - 4 * DAY, delivered_at=None, estimate=NOW + 3 * DAY),))
    assert rules.late_due(later, NOW, rules.Settings())
    assert not rules.late_due(later, NOW, rules.Settings(late_on=False))


def test_switching_a_rule_on_does_not_write_to_last_months_customers():
    long_lost = history(promised_latest=NOW - 20 * DAY, ship_by=NOW - 25 * DAY,
                        parcels=(rules.Parcel(shipped_at=NOW - 24 * DAY, delivered_at=None, estimate=None,
                                              scans=(NOW - 23 * DAY,)),))
    assert not rules.late_due(long_lost, NOW, rules.Settings())
    assert rules.stalled_step(long_lost, NOW, rules.Settings(), traced_at=None) is None


def test_stalled_is_traced_after_the_quiet_days_and_put_right_only_if_nothing_arrived():
    quiet = history()  # last scan three days ago
    settings = rules.Settings(stalled_days=3, remedy_days=4)
    assert rules.stalled_step(quiet, NOW - timedelta(hours=1), settings, None) is None
    assert rules.stalled_step(quiet, NOW, settings, None) == rules.Step.TRACE
    assert rules.stalled_step(quiet, NOW + 3 * DAY, settings, traced_at=NOW) is None
    assert rules.stalled_step(quiet, NOW + 4 * DAY, settings, traced_at=NOW) == rules.Step.REMEDY
    two_parcels = history(parcels=(*quiet.parcels, rules.Parcel(shipped_at=NOW - 4 * DAY, delivered_at=NOW - DAY,
                                                                estimate=None)))
    # Part of the order arrived: a missing item is theirs to report, not ours to guess.
    assert rules.stalled_step(two_parcels, NOW + 4 * DAY, settings, traced_at=NOW) is None


def test_a_credit_is_the_policys_share_for_members_or_everyone():
    member = history(memberships=((NOW - 30 * DAY, None),))
    assert rules.credit(member, NOW, rules.Settings(credit_percent=Decimal(5))) == Decimal("4.00")
    assert rules.credit(history(), NOW, rules.Settings()) == 0
    assert rules.credit(history(), NOW, rules.Settings(credit_for=rules.CreditFor.EVERYONE)) == Decimal("4.00")
    assert rules.credit(member, NOW, rules.Settings(credit_for=rules.CreditFor.NOBODY)) == 0


def test_the_replay_fires_each_step_once_at_the_moment_it_fell_due():
    fired = rules.replay(history(), rules.Settings(), NOW - 10 * DAY, NOW + 10 * DAY)
    assert [(f.rule, f.step, f.at) for f in fired] == [
        (rules.Rule.STALLED, rules.Step.TRACE, NOW),
        (rules.Rule.LATE, rules.Step.TELL, NOW + DAY + rules.JUST_AFTER),  # its estimate passed
        (rules.Rule.STALLED, rules.Step.REMEDY, NOW + 4 * DAY),
    ]
