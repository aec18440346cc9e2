"""Everyone serves: the rota shows which operators and managers are due a service-duty shift."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from advocate.cases.models import DutyShift
from advocate.cases.rota import duty


def test_duty_counts_days_served_in_the_period_and_days_booked():
    today = date(2026, 11, 28)
    days = [date(2024, 10, 1), date(2025, 3, 2), date(2026, 12, 4)]  # the first is older than 24 months
    status = duty(days, today, required=2, months=24)
    assert (status.served, status.booked, status.next_day, status.due) == (1, 1, date(2026, 12, 4), False)
    assert duty([date(2025, 3, 2)], today, required=2, months=24).due
    assert duty([], today, required=2, months=24).due


@pytest.mark.django_db
def test_operators_book_days_and_the_rota_shows_who_is_due(login, operator, make_user, associate):
    manager = make_user("mona-manager", "operator", first_name="Mona")
    client = login(operator)
    tomorrow = timezone.localdate() + timedelta(days=1)
    client.post("/operations/rota/", {"person": manager.pk, "day": tomorrow.isoformat(), "note": "Peak week"})
    client.post("/operations/rota/", {"person": manager.pk, "day": (tomorrow + timedelta(days=1)).isoformat()})
    client.post("/operations/rota/", {"person": manager.pk, "day": tomorrow.isoformat()})  # again: nothing new
    assert DutyShift.objects.filter(person=manager).count() == 2
    response = client.post("/operations/rota/", {"person": manager.pk, "day": "2020-01-01"})
    assert "Choose today or a day to come." in response.content.decode()

    page = login(associate).get("/operations/rota/").content.decode()  # associates see it too
    assert "Peak week" in page
    rows = page.split("<tbody>")[1]
    assert rows.index("olga-operator") < rows.index("Mona")  # the one who is due comes first
    assert 'class="due"' in rows.split("Mona")[0]


@pytest.mark.django_db
def test_only_operators_change_the_rota(login, associate, operator, alice):
    shift = DutyShift.objects.create(person=operator, day=timezone.localdate() + timedelta(days=3),
                                     created_at=timezone.now())
    assert login(associate).post("/operations/rota/", {"person": operator.pk, "day": "2030-01-01"}).status_code == 404
    login(associate).post(f"/operations/rota/{shift.pk}/cancel/")
    assert DutyShift.objects.filter(pk=shift.pk).exists()
    login(operator).post(f"/operations/rota/{shift.pk}/cancel/")
    assert not DutyShift.objects.filter(pk=shift.pk).exists()
    assert login(alice).get("/operations/rota/").status_code == 403
