"""Sign-in limits: failed sign-ins per account and per address lock them out, for longer each time.

Every attempt is a CSRF-checked browser posting the real sign-in form (or Django admin's); each request's
address is its REMOTE_ADDR, as the web server would give it. Time passes by moving axes' stored attempt and
sign-in times back, never by sleeping.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.test import RequestFactory

from advocate.accounts.signin import client_address
from advocate.conftest import PASSWORD, BrowserClient

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-ins for this account or from your network."
MISMATCH = "That username and password did not match."


def sign_in(username, password, *, address="192.0.2.1", path="/accounts/login/", forwarded_for=None):
    """One attempt from a fresh browser at `address`: the response, and whether that browser is signed in."""
    browser = BrowserClient()
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    response = browser.post(path, {"username": username, "password": password}, REMOTE_ADDR=address,
                            headers=headers)
    return response, "_auth_user_id" in browser.session


def fail(username, times, *, address=None, path="/accounts/login/"):
    """`times` wrong passwords; from `address`, or each from a different address if None. The last response."""
    for i in range(times):
        response, signed_in = sign_in(username, f"wrong-{i}", address=address or f"198.51.100.{i + 1}", path=path)
        assert not signed_in
    return response


def earlier(minutes):
    """Let `minutes` pass: every stored attempt and sign-in happened that much earlier."""
    for model in (AccessFailureLog, AccessAttempt, AccessLog):
        for row in model.objects.all():
            model.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - timedelta(minutes=minutes))


def test_five_wrong_passwords_from_five_addresses_lock_the_account(alice):
    assert fail("alice", 4).status_code == 200

    fifth = fail("alice", 1, address="203.0.113.5")

    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert LOCKED in page and "Please try again in 15 minutes." in page and MISMATCH not in page
    assert list(AccessFailureLog.objects.order_by("id").values_list("locked_out", flat=True)) == [False] * 4 + [True]


def test_the_right_password_is_refused_while_the_account_is_locked_from_any_address(alice):
    fail("alice", 5)

    response, signed_in = sign_in("alice", PASSWORD, address="203.0.113.77")

    assert response.status_code == 429 and not signed_in
    assert LOCKED in response.content.decode()


def test_one_address_is_locked_across_accounts_but_other_addresses_are_not(alice, bob):
    for i in range(19):  # 19 different accounts, most of which do not exist
        assert sign_in(f"someone-{i}", "guess", address="198.51.100.9")[0].status_code == 200
    assert sign_in("bob", "guess", address="198.51.100.9")[0].status_code == 429  # the 20th

    response, signed_in = sign_in("alice", PASSWORD, address="198.51.100.9")
    assert response.status_code == 429 and not signed_in and LOCKED in response.content.decode()
    assert sign_in("alice", PASSWORD, address="198.51.100.10")[1]  # alice herself is not locked


def test_the_lockout_ends_after_its_time(alice):
    fail("alice", 5)
    earlier(14)
    assert sign_in("alice", PASSWORD)[0].status_code == 429

    earlier(2)  # 16 minutes after the fifth failure

    assert sign_in("alice", PASSWORD)[1]


def test_each_further_lockout_within_a_day_lasts_twice_as_long(alice):
    fail("alice", 5)
    earlier(16)
    fail("alice", 4)
    response = fail("alice", 1)

    assert response.status_code == 429 and "Please try again in 30 minutes." in response.content.decode()
    earlier(20)
    assert sign_in("alice", PASSWORD)[0].status_code == 429
    earlier(11)
    fail("alice", 5)
    assert sign_in("alice", PASSWORD)[0].status_code == 429
    assert "Please try again in 60 minutes." in sign_in("alice", PASSWORD)[0].content.decode()

    earlier(24 * 60)  # a day later the earlier failures are forgotten

    assert sign_in("alice", PASSWORD)[1]


def test_attempts_while_locked_do_not_extend_the_lockout(alice):
    fail("alice", 5)
    earlier(10)

    for _ in range(10):
        response = sign_in("alice", "still-guessing")[0]
        assert response.status_code == 429 and "Please try again in 5 minutes." in response.content.decode()
    earlier(6)

    assert sign_in("alice", PASSWORD)[1]


class CountingHasher(MD5PasswordHasher):
    checked = 0

    def verify(self, password, encoded):
        CountingHasher.checked += 1
        return super().verify(password, encoded)


def test_a_refused_attempt_checks_no_password(alice, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    fail("alice", 5)
    CountingHasher.checked = 0

    for _ in range(3):
        sign_in("alice", PASSWORD)
        sign_in("alice", "wrong")

    assert CountingHasher.checked == 0


def test_a_successful_sign_in_clears_the_account_s_failures(alice):
    fail("alice", 4)
    assert sign_in("alice", PASSWORD)[1]

    assert fail("alice", 4).status_code == 200
    assert sign_in("alice", PASSWORD)[1]


def test_a_successful_sign_in_forgives_its_own_failures_in_the_address_count_but_not_others(alice, settings):
    settings.ADVOCATE_SIGNIN_ADDRESS_FAILURES = 6
    fail("alice", 4, address="198.51.100.20")
    assert sign_in("alice", PASSWORD, address="198.51.100.20")[1]
    fail("mallory", 4, address="198.51.100.20")  # 4 of the address's 6: alice's 4 were forgiven

    assert sign_in("alice", PASSWORD, address="198.51.100.20")[1]
    # her own success forgives nothing of mallory's: two more failures lock the address
    assert fail("nobody", 2, address="198.51.100.20").status_code == 429


def test_the_admin_sign_in_counts_and_says_so_too(make_user):
    make_user("root", "operator", is_staff=True, is_superuser=True)

    response = fail("root", 5, path="/admin/login/")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    response, signed_in = sign_in("root", PASSWORD, path="/admin/login/", address="203.0.113.200")
    assert response.status_code == 429 and not signed_in
    assert sign_in("root", PASSWORD, address="203.0.113.201")[0].status_code == 429  # the site's form too


def test_the_site_s_failures_lock_the_admin_sign_in(make_user):
    make_user("root", "operator", is_staff=True, is_superuser=True)
    fail("root", 5)

    assert sign_in("root", PASSWORD, path="/admin/login/")[0].status_code == 429


def test_a_wrong_password_below_the_limit_is_still_just_a_mismatch_on_the_admin(make_user):
    make_user("root", "operator", is_staff=True, is_superuser=True)

    response = fail("root", 1, path="/admin/login/")

    assert response.status_code == 200 and LOCKED not in response.content.decode()


def test_an_operator_unlocks_an_account_with_axes_reset_username(alice):
    fail("alice", 5)

    call_command("axes_reset_username", "alice")

    assert sign_in("alice", PASSWORD)[1]


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(settings):
    settings.ADVOCATE_SIGNIN_ADDRESS_FAILURES = 5
    for i in range(4):  # one client pretending to be four
        sign_in(f"someone-{i}", "wrong", address="198.51.100.30", forwarded_for=f"203.0.113.{i}")

    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"198.51.100.30"}
    assert sign_in("nobody", "wrong", address="198.51.100.30", forwarded_for="203.0.113.9")[0].status_code == 429


@pytest.mark.parametrize(("remote", "forwarded", "counted"), [
    ("10.0.0.2", "203.0.113.7", "203.0.113.7"),  # the proxy's word for its client
    ("10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # what the client wrote itself is further left
    ("10.0.0.2", "203.0.113.7, 10.0.0.3", "203.0.113.7"),  # two trusted proxies in a row
    ("10.0.0.2", "", "10.0.0.2"),  # no header: the proxy itself
    ("10.0.0.2", "not-an-address", "10.0.0.2"),
    ("198.51.100.1", "203.0.113.7", "198.51.100.1"),  # not from a trusted proxy: the header is ignored
])
def test_behind_trusted_proxies_the_client_is_the_last_address_they_forwarded(settings, remote, forwarded, counted):
    settings.ADVOCATE_TRUSTED_PROXIES = "10.0.0.0/8, 192.0.2.1"
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == counted


def test_without_trusted_proxies_the_client_is_the_peer(settings):
    settings.ADVOCATE_TRUSTED_PROXIES = ""
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert client_address(request) == "10.0.0.2"


def test_behind_a_trusted_proxy_the_forwarded_addresses_are_counted(alice, settings):
    settings.ADVOCATE_TRUSTED_PROXIES = "10.0.0.1"
    for i in range(5):
        sign_in("alice", "wrong", address="10.0.0.1", forwarded_for=f"203.0.113.{i}")

    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {f"203.0.113.{i}" for i in range(5)}
    assert sign_in("alice", PASSWORD, address="10.0.0.1", forwarded_for="203.0.113.99")[0].status_code == 429


def test_the_clock_forgets_sign_in_records_after_thirty_days(alice):
    from django.utils import timezone

    from advocate.core.scheduling import run_due

    fail("alice", 2)
    assert sign_in("alice", PASSWORD)[1]
    earlier(29 * 24 * 60)
    fail("alice", 1)

    run_due(timezone.now() + timedelta(days=1, minutes=1))

    assert AccessFailureLog.objects.count() == 1 and AccessLog.objects.count() == 0
