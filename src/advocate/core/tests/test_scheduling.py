"""`advocate tick` runs every app's registered jobs, in order; one failing job is reported and does not stop the
others (a mail server that is down must not hold up claims' deadlines)."""

import pytest
from django.core.management import call_command

from advocate.core.scheduling import JOBS, Job, JobsFailed, run_due

pytestmark = pytest.mark.django_db


def test_every_app_registers_its_jobs_and_tick_runs_them_in_order():
    assert JOBS.names() == ["claims_closed", "callbacks", "automatic_answers", "health_revisited",
                            "remedies", "incidents", "actions_started",
                            "seller_actions", "contact_spikes", "promises", "refund_baseline", "emails_sent",
                            "signin_records_pruned", "signin_link_requests_pruned", "viewers_forgotten",
                            "mail_received"]
    done = run_due()
    assert {"claims_closed", "callbacks_raised", "health_revisited", "promises_broken", "emails_sent"} <= set(done)


def test_a_failing_job_is_reported_and_the_others_still_run(monkeypatch):
    ran = []

    def broken(now):
        raise ConnectionError("mail server down")

    monkeypatch.setitem(JOBS._entries, "broken", Job("broken", broken, "fails", order=1))
    monkeypatch.setitem(JOBS._entries, "after", Job("after", lambda now: ran.append(now) or 1, "runs", order=2))
    with pytest.raises(JobsFailed) as failed:
        run_due()
    assert list(failed.value.failed) == ["broken"] and len(ran) == 1
    with pytest.raises(JobsFailed):
        call_command("tick", verbosity=0)  # once, from the command line: the failure is not swallowed
