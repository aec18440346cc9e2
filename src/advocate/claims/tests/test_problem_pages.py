"""The customer's "Something wrong?" pages, through the Django test client as a browser would use them: the
order page offers what fits the order, the report form, the outcome page; bad input is refused clearly and
records nothing; photos are seen only by the customer and the service team; requests outside policy go to a
person; operators set the policy; and who may see what."""

import io
import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from advocate.claims import ledger, services
from advocate.claims.models import (
    PolicyLayer,
    ProblemPhoto,
    ProblemReport,
    Refund,
    ReportState,
    Return,
)
from advocate.commerce.models import Customer, Instruction, Order, OrderState
from advocate.conftest import ALICE, NORTHWIND, PLATFORM
from advocate.core.errors import Invalid

pytestmark = pytest.mark.django_db

# --- orders in each situation --------------------------------------------------------------------------


def delivered_order(shop, order_id: str = "A-1", *, days_ago: int = 2, seller: dict = PLATFORM,
                    fulfilled_by: str = "platform", customer: dict = ALICE, lines=None, paid: str = "64.00") -> Order:
    """Paid and delivered `days_ago` days ago. Lines by default: 2 × mug set at £12.50, 1 × desk lamp at £39."""
    delivered_at = timezone.now() - timedelta(days=days_ago)
    shop.send(
        shop.order_placed(order_id, customer=customer, seller=seller, fulfilled_by=fulfilled_by, lines=lines,
                          placed_at=delivered_at - timedelta(days=4)),
        shop.payment_captured(order_id, paid),
        shop.shipment_created(order_id, f"S-{order_id}", shipped_at=delivered_at - timedelta(days=3)),
        shop.shipment_delivered(f"S-{order_id}", at=delivered_at),
    )
    return Order.objects.get(external_id=order_id)


def unshipped_order(shop, order_id: str = "A-1", *, seller: dict = NORTHWIND, paid: str = "64.00") -> Order:
    shop.send(shop.order_placed(order_id, seller=seller, fulfilled_by="seller",
                                ship_by=timezone.now() + timedelta(days=2)),
              shop.payment_captured(order_id, paid))
    return Order.objects.get(external_id=order_id)


def in_transit_order(shop, order_id: str = "A-1", *, promised_latest, seller: dict = NORTHWIND,
                     fulfilled_by: str = "seller") -> Order:
    now = timezone.now()
    shop.send(shop.order_placed(order_id, seller=seller, fulfilled_by=fulfilled_by, placed_at=now - timedelta(days=2),
                                ship_by=now - timedelta(days=1), promised_latest=promised_latest),
              shop.payment_captured(order_id),
              shop.shipment_created(order_id, f"S-{order_id}", shipped_at=now - timedelta(days=1)))
    return Order.objects.get(external_id=order_id)


# --- reading pages -------------------------------------------------------------------------------------


def offered(html: str) -> list[str]:
    """The problems the order page offers to report, in order."""
    return re.findall(r'data-problem="([a-z_]+)"', html)


def notes(html: str) -> list[str]:
    return [n.strip() for n in re.findall(r'<p class="muted note">(.*?)</p>', html, flags=re.S)]


def outcome(html: str) -> str:
    match = re.search(r'id="outcome">(.*?)</p>', html, flags=re.S)
    assert match, "the page has no outcome sentence"
    return match.group(1).strip()


def site_messages(html: str) -> list[str]:
    """The messages shown at the top of the page (after a redirect)."""
    block = re.search(r'<ul class="messages">(.*?)</ul>', html, flags=re.S)
    return [m.strip() for m in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), flags=re.S)] if block else []


class ReportForm:
    """The report form as served: its request key and which field is which item."""

    def __init__(self, client: Client, order_id: str, problem: str):
        self.url = f"/orders/{order_id}/problem/{problem}/"
        response = client.get(self.url)
        assert response.status_code == 200, response.status_code
        self.html = response.content.decode()
        self.request_key = re.search(r'name="request_key"[^>]*value="([^"]+)"', self.html).group(1)
        self.lines = {title: name for name, title in re.findall(r'<label for="id_(line_\d+)">([^<]+)</label>',
                                                                self.html)}

    def quantities(self, title: str) -> list[int]:
        """The quantities the customer may choose for an item."""
        select = re.search(rf'<select name="{self.lines[title]}"[^>]*>(.*?)</select>', self.html, flags=re.S)
        return [int(v) for v in re.findall(r'<option value="(\d+)"', select.group(1))]

    def data(self, *, items: dict[str, int] | None = None, **fields) -> dict:
        data = {"request_key": self.request_key, "comment": ""}
        for title, name in self.lines.items():
            data[name] = (items or {}).get(title, 0)
        return {**data, **fields}


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def nothing_recorded(order: Order) -> bool:
    return not ProblemReport.objects.filter(order=order).exists() and not Refund.objects.filter(order=order).exists()


def denied(response) -> bool:
    """Sent to sign in (as someone allowed) or forbidden — never shown the page."""
    if response.status_code == 302:
        return response["Location"].startswith("/accounts/login/")
    return response.status_code == 403


# --- the order page offers what fits the order --------------------------------------------------------


def test_an_order_not_yet_shipped_offers_only_cancelling(shop, alice, login):
    unshipped_order(shop)

    html = login(alice).get("/orders/A-1/").content.decode()

    assert "Something wrong?" in html
    assert offered(html) == ["cancel"]
    assert notes(html) == []  # nothing to explain: cancelling is the one thing to do


def test_a_delivered_order_offers_returns_and_problems_but_not_cancelling(shop, alice, login):
    delivered_order(shop)

    html = login(alice).get("/orders/A-1/").content.decode()

    assert "Something wrong?" in html
    assert set(offered(html)) == {"return", "damaged", "not_as_described", "item_missing", "not_received"}
    assert 'href="/orders/A-1/problem/return/"' in html


def test_a_delivered_orders_page_does_not_say_it_is_still_on_its_way(shop, alice, login):
    delivered_order(shop)

    html = login(alice).get("/orders/A-1/").content.decode()

    assert not any("on its way" in note or "Once it arrives" in note for note in notes(html)), notes(html)


@pytest.mark.parametrize(("fulfilled_by", "seller", "promise"), [
    ("seller", NORTHWIND, "report it here: the marketplace guarantees you get your money back."),
    ("platform", PLATFORM, "report it here and we will put it right at once."),
], ids=["seller ships", "our warehouse ships"])
def test_an_order_in_transit_before_its_due_date_says_from_when_not_received_can_be_reported(
        shop, alice, login, fulfilled_by, seller, promise):
    promised_latest = timezone.now() + timedelta(days=2)
    in_transit_order(shop, promised_latest=promised_latest, seller=seller, fulfilled_by=fulfilled_by)
    may_report_from = (promised_latest + timedelta(days=3)).astimezone(ZoneInfo(ALICE["time_zone"]))

    html = login(alice).get("/orders/A-1/").content.decode()

    assert offered(html) == []
    expected = (f"It is still within its delivery time. If it has not arrived by {may_report_from:%A} at "
                f"{may_report_from:%H:%M}, " + promise)
    assert expected in notes(html)
    # And asking for the form directly says the same instead of showing it.
    response = login(alice).get("/orders/A-1/problem/not_received/", follow=True)
    assert response.redirect_chain[-1][0] == "/orders/A-1/"
    assert expected in site_messages(response.content.decode())
    assert not ProblemReport.objects.exists()


# --- the whole flow, as a browser does it --------------------------------------------------------------


def test_reporting_a_return_from_form_to_outcome(shop, alice, login, commit, mailoutbox):
    order = delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "return")
    assert set(form.lines) == {"Ceramic mug set", "Desk lamp"}

    response = commit(lambda: client.post(form.url, form.data(reason="changed_mind",
                                                               items={"Ceramic mug set": 1})))

    report = ProblemReport.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == f"/problems/{report.reference}/"
    page = client.get(response["Location"])
    assert outcome(page.content.decode()) == (
        "Refund of £12.50 issued to your card — you do not need to send the item back.")
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("12.50") and refund.method == "card"
    assert report.state == ReportState.RESOLVED and [(i.line.title, i.quantity) for i in report.items.all()] == [
        ("Ceramic mug set", 1)]
    assert [m.subject for m in mailoutbox] == ["Your refund for order A-1"] and mailoutbox[0].to == [ALICE["email"]]
    assert f"/problems/{report.reference}/" in mailoutbox[0].body

    # The order page lists the request, and the mug left can still be returned.
    order_page = client.get("/orders/A-1/").content.decode()
    assert f'href="/problems/{report.reference}/"' in order_page and "Your requests" in order_page
    again = ReportForm(client, "A-1", "return")
    assert again.quantities("Ceramic mug set") == [0, 1] and again.quantities("Desk lamp") == [0, 1]


def test_posting_the_same_form_twice_makes_one_report_and_one_refund(shop, alice, login, commit, mailoutbox):
    order = delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "return")
    data = form.data(reason="changed_mind", items={"Ceramic mug set": 1})

    first = commit(lambda: client.post(form.url, data))
    second = commit(lambda: client.post(form.url, data))

    assert ProblemReport.objects.filter(order=order).count() == 1
    assert Refund.objects.filter(order=order).count() == 1 and ledger.refundable(order) == Decimal("51.50")
    assert first["Location"] == second["Location"] == f"/problems/{ProblemReport.objects.get().reference}/"
    assert len(mailoutbox) == 1


def test_a_double_click_on_cancel_shows_the_outcome_both_times(shop, alice, login, commit):
    order = unshipped_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "cancel")

    first = commit(lambda: client.post(form.url, form.data()))
    second = commit(lambda: client.post(form.url, form.data()))

    assert ProblemReport.objects.filter(order=order).count() == 1 and Refund.objects.filter(order=order).count() == 1
    assert second["Location"] == first["Location"]


# --- bad input is refused clearly and records nothing ------------------------------------------------


@pytest.mark.parametrize(("fields", "error"), [
    ({"reason": "changed_mind", "items": {}}, "Please choose at least one item."),
    ({"reason": "changed_mind", "items": {"Ceramic mug set": 3}},
     "Select a valid choice. 3 is not one of the available choices."),
    ({"items": {"Ceramic mug set": 1}}, "This field is required."),
    ({"reason": "i_just_want_money", "items": {"Ceramic mug set": 1}}, "Select a valid choice."),
], ids=["no items", "more than ordered", "no reason", "unknown reason"])
def test_a_bad_report_is_refused_on_the_form_and_nothing_is_recorded(shop, alice, login, commit, mailoutbox,
                                                                     fields, error):
    order = delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "return")

    response = commit(lambda: client.post(form.url, form.data(**fields)))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist' in html and error in html
    assert nothing_recorded(order) and not mailoutbox


def test_the_service_refuses_more_items_than_were_ordered(shop, alice):
    order = delivered_order(shop)
    mug = order.lines.get(sku="MUG-SET")

    with pytest.raises(Invalid) as refused:
        services.report_file(order=order, customer=order.customer, problem="return", reason="changed_mind",
                             request_key="k", items=[(mug.pk, 3)])

    assert refused.value.code == "too_many" and nothing_recorded(order)
    assert str(refused.value) == "That is more than you ordered, or than is left to report."


def test_a_photo_required_by_policy_must_be_attached(shop, alice, login, commit):
    PolicyLayer.objects.filter(seller=None, category="").update(photo_required_for=["damaged"])
    order = delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "damaged")
    assert "A photo of the problem" in form.html and "A photo (optional)" not in form.html

    response = commit(lambda: client.post(form.url, form.data(reason="arrived_damaged",
                                                               items={"Ceramic mug set": 1})))

    assert response.status_code == 200 and "Please add a photo of the problem." in response.content.decode()
    assert nothing_recorded(order)
    with pytest.raises(Invalid) as refused:  # nor can the form be gone around
        services.report_file(order=order, customer=order.customer, problem="damaged", reason="arrived_damaged",
                             request_key="k", items=[(order.lines.get(sku="MUG-SET").pk, 1)])
    assert refused.value.code == "photo_required" and nothing_recorded(order)


def test_a_photo_required_for_missing_items_can_be_attached(shop, alice, operator, login, commit):
    default = PolicyLayer.objects.get(seller=None, category="")
    policy_page = login(operator).get(f"/operations/policies/{default.pk}/").content.decode()
    assert 'name="photo_required_for" value="item_missing"' in policy_page  # the operator is offered it
    PolicyLayer.objects.filter(pk=default.pk).update(photo_required_for=["item_missing"])
    order = delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "item_missing")
    upload = SimpleUploadedFile("empty-box.png", image_bytes("PNG"), content_type="image/png")

    response = commit(lambda: client.post(form.url, form.data(photo=upload, items={"Desk lamp": 1})))

    assert 'type="file"' in form.html
    assert response.status_code == 302 and ProblemReport.objects.filter(order=order).count() == 1


def test_a_file_that_is_not_an_image_is_refused(shop, alice, login, commit):
    order = delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "damaged")
    fake = SimpleUploadedFile("broken-mug.jpg", b"%PDF-1.4 this is not a photo", content_type="image/jpeg")

    response = commit(lambda: client.post(form.url, form.data(reason="arrived_damaged", photo=fake,
                                                               items={"Ceramic mug set": 1})))

    assert response.status_code == 200
    assert "That file is not a photo we can read (JPEG, PNG, WebP or GIF)." in response.content.decode()
    assert nothing_recorded(order) and not ProblemPhoto.objects.exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_photo_is_stored_and_shown_only_to_the_customer_and_the_service_team(
        shop, alice, bob, northwind_user, associate, login, commit, fmt):
    # Sold by Northwind, shipped from our warehouse: Northwind is this order's seller, and still may not see it.
    order = delivered_order(shop, seller=NORTHWIND, fulfilled_by="platform")
    client = login(alice)
    form = ReportForm(client, "A-1", "damaged")
    upload = SimpleUploadedFile(f"mug.{fmt.lower()}", image_bytes(fmt), content_type=f"image/{fmt.lower()}")

    response = commit(lambda: client.post(form.url, form.data(reason="arrived_damaged", photo=upload,
                                                               items={"Ceramic mug set": 1})))

    assert response.status_code == 302
    report = ProblemReport.objects.get(order=order)
    photo = ProblemPhoto.objects.get(report=report)
    assert photo.image.storage.exists(photo.image.name)
    url = f"/problems/{report.reference}/photos/{photo.pk}/"
    assert f'src="{url}"' in client.get(f"/problems/{report.reference}/").content.decode()
    for viewer in (alice, associate):
        served = login(viewer).get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
            assert image.format == "JPEG" and image.size == (40, 30)
    assert login(bob).get(url).status_code == 404
    assert login(northwind_user).get(url).status_code == 404
    assert denied(Client().get(url))


# --- cancelling before it ships ------------------------------------------------------------------------


def test_cancelling_before_shipping_stops_the_order_and_refunds_everything_paid(shop, alice, login, commit,
                                                                              mailoutbox):
    order = unshipped_order(shop, paid="64.00")
    client = login(alice)
    form = ReportForm(client, "A-1", "cancel")
    assert "Cancel the order" in form.html and form.lines == {}

    response = commit(lambda: client.post(form.url, form.data()))

    report = ProblemReport.objects.get(order=order)
    assert response["Location"] == f"/problems/{report.reference}/"
    assert outcome(client.get(response["Location"]).content.decode()) == (
        "Order cancelled. Refund of £64.00 issued to your card.")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED and order.cancelled_by == "customer"
    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("64.00")]
    assert ledger.refundable(order) == 0
    assert Instruction.objects.filter(order=order, kind="order_cancel").count() == 1
    assert [m.subject for m in mailoutbox] == ["Your order A-1 is cancelled"]

    # The order page now offers nothing, and shows the request.
    html = client.get("/orders/A-1/").content.decode()
    assert offered(html) == [] and "Something wrong?" not in html
    assert f'href="/problems/{report.reference}/"' in html
    assert "Order cancelled. Refund of £64.00 issued to your card." in html

    # The shop carrying out the cancellation (its event) refunds nothing more.
    commit(lambda: shop.send(shop.order_cancelled("A-1", by="customer")))
    assert Refund.objects.filter(order=order).count() == 1 and len(mailoutbox) == 1


# --- who may see and do what ---------------------------------------------------------------------------


def test_someone_elses_order_and_report_are_not_found(shop, alice, bob, login, commit):
    order = delivered_order(shop)
    alices = login(alice)
    form = ReportForm(alices, "A-1", "return")
    commit(lambda: alices.post(form.url, form.data(reason="changed_mind", items={"Ceramic mug set": 1})))
    report = ProblemReport.objects.get(order=order)

    bobs = login(bob)
    assert bobs.get("/orders/A-1/problem/return/").status_code == 404
    assert commit(lambda: bobs.post("/orders/A-1/problem/return/", form.data(
        request_key="bobs-key", reason="changed_mind", items={"Desk lamp": 1}))).status_code == 404
    assert bobs.get(f"/problems/{report.reference}/").status_code == 404
    assert ProblemReport.objects.count() == 1 and Refund.objects.count() == 1


def test_sellers_and_staff_cannot_file_reports_for_customers(shop, alice, northwind_user, associate, login):
    delivered_order(shop, seller=NORTHWIND, fulfilled_by="seller")

    for user in (northwind_user, associate):
        assert login(user).get("/orders/A-1/problem/return/").status_code == 404
        assert login(user).post("/orders/A-1/problem/return/", {"request_key": "x", "reason": "changed_mind"}
                                ).status_code == 404
    assert not ProblemReport.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(shop, alice, login, commit):
    order = delivered_order(shop)
    alices = login(alice)
    form = ReportForm(alices, "A-1", "return")
    commit(lambda: alices.post(form.url, form.data(reason="changed_mind", items={"Ceramic mug set": 1})))
    report = ProblemReport.objects.get(order=order)

    for path in ("/orders/A-1/problem/return/", f"/problems/{report.reference}/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith(f"/accounts/login/?next={path}")
    assert denied(Client().post("/orders/A-1/problem/return/", form.data(request_key="anon", reason="changed_mind",
                                                                          items={"Desk lamp": 1})))
    assert ProblemReport.objects.count() == 1


def test_a_post_without_a_csrf_token_is_refused(shop, alice, commit):
    order = delivered_order(shop)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    form = ReportForm(browser, "A-1", "return")
    data = form.data(reason="changed_mind", items={"Ceramic mug set": 1})

    refused = commit(lambda: browser.post(form.url, data))

    assert refused.status_code == 403 and nothing_recorded(order)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.html).group(1)
    accepted = commit(lambda: browser.post(form.url, {**data, "csrfmiddlewaretoken": token}))
    assert accepted.status_code == 302 and ProblemReport.objects.filter(order=order).count() == 1


# --- outside policy: a person decides ------------------------------------------------------------------


def file_return(client, commit, title: str) -> ProblemReport:
    form = ReportForm(client, "A-1", "return")
    commit(lambda: client.post(form.url, form.data(reason="changed_mind", items={title: 1})))
    return ProblemReport.objects.get(request_key=form.request_key)


def test_a_return_after_the_window_goes_to_a_person_who_declines_it_with_reasons(
        shop, alice, bob, northwind_user, associate, operator, login, commit, mailoutbox):
    order = delivered_order(shop, days_ago=40)  # the default return window is 30 days
    client = login(alice)

    report = file_return(client, commit, "Ceramic mug set")

    assert report.state == ReportState.IN_REVIEW
    assert not Refund.objects.filter(order=order).exists()
    page = client.get(f"/problems/{report.reference}/").content.decode()
    assert outcome(page).startswith("A person will look at this and decide by")
    assert "It is past the usual return window, so a person decides." in page
    assert 'name="action"' not in page  # the decision buttons are for the service team
    assert [m.subject for m in mailoutbox] == ["A person is looking at your request about order A-1"]

    # The queue is for the service team only.
    for user in (associate, operator):
        assert f'href="/problems/{report.reference}/"' in login(user).get("/service/reviews/").content.decode()
    for user in (alice, bob, northwind_user):
        assert denied(login(user).get("/service/reviews/"))
        assert denied(commit(lambda user=user: login(user).post(
            f"/service/reviews/reports/{report.reference}/", {"action": "refund", "note": "mine"})))
    assert denied(Client().get("/service/reviews/"))
    report.refresh_from_db()
    assert report.state == ReportState.IN_REVIEW and not Refund.objects.exists()

    # Declining needs reasons the customer will read.
    staff = login(associate)
    response = commit(lambda: staff.post(f"/service/reviews/reports/{report.reference}/",
                                         {"action": "decline", "note": ""}, follow=True))
    assert "Please give the reasons for the decision; the customer will read them." in site_messages(
        response.content.decode())
    report.refresh_from_db()
    assert report.state == ReportState.IN_REVIEW and len(mailoutbox) == 1

    reasons = "The mugs were used; we can only take back unused items after 30 days."
    mailoutbox.clear()
    response = commit(lambda: staff.post(f"/service/reviews/reports/{report.reference}/",
                                         {"action": "decline", "note": reasons}))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.DECLINED and report.decided_by == associate
    assert not Refund.objects.filter(order=order).exists()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [ALICE["email"]]
    assert mailoutbox[0].subject == "Our decision on your request about order A-1" and reasons in mailoutbox[0].body
    page = client.get(f"/problems/{report.reference}/").content.decode()
    assert outcome(page) == "We could not agree to this request." and reasons in page
    assert "We could not agree to this request." in client.get("/orders/A-1/").content.decode()


def test_a_person_refunding_a_request_outside_policy_refunds_it_once(shop, alice, associate, login, commit,
                                                                     mailoutbox):
    order = delivered_order(shop, days_ago=40)
    report = file_return(login(alice), commit, "Desk lamp")
    staff = login(associate)
    mailoutbox.clear()

    commit(lambda: staff.post(f"/service/reviews/reports/{report.reference}/", {"action": "refund", "note": ""}))
    again = commit(lambda: staff.post(f"/service/reviews/reports/{report.reference}/",
                                      {"action": "refund", "note": ""}, follow=True))

    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("39.00")]
    assert "Someone has already decided this request." in site_messages(again.content.decode())
    report.refresh_from_db()
    assert report.state == ReportState.RESOLVED and report.decided_by == associate
    assert [m.subject for m in mailoutbox] == ["Your refund for order A-1"]
    assert outcome(login(alice).get(f"/problems/{report.reference}/").content.decode()) == (
        "Refund of £39.00 issued to your card.")


# --- operators set the policy --------------------------------------------------------------------------


KITCHEN_LINES = [{"sku": "MUG-SET", "title": "Ceramic mug set", "quantity": 2, "unit_price": "12.50",
                  "category": "kitchen"}]


def test_an_operator_changes_a_categorys_policy_and_the_next_report_follows_it(shop, alice, operator, login,
                                                                              commit):
    order = delivered_order(shop, lines=KITCHEN_LINES, paid="25.00")
    customer = login(alice)
    first = file_return(customer, commit, "Ceramic mug set")
    assert first.state == ReportState.RESOLVED and first.returnless  # £12.50 = €14.71, under €25

    ops = login(operator)
    assert ops.get("/operations/policies/").status_code == 200
    response = commit(lambda: ops.post("/operations/policies/", {
        "seller": "", "category": "kitchen", "returnless_under": "5.00", "photo_inherit": "on",
        "change_of_mind_returns": "unknown", "refund_on_first_scan": "unknown"}))
    layer = PolicyLayer.objects.get(seller=None, category="kitchen")
    assert response.status_code == 302 and response["Location"] == f"/operations/policies/{layer.pk}/"
    assert layer.returnless_under == Decimal("5.00") and layer.updated_by == operator
    assert layer.photo_required_for is None and layer.return_window_days is None  # the rest is inherited
    assert "kitchen" in ops.get("/operations/policies/").content.decode()

    second = file_return(customer, commit, "Ceramic mug set")

    assert second.state == ReportState.AWAITING_RETURN and not second.returnless
    assert Return.objects.filter(report=second).exists()
    assert Refund.objects.filter(order=order).count() == 1  # only the first; the second waits for the return
    assert outcome(customer.get(f"/problems/{second.reference}/").content.decode()).startswith(
        "Return accepted. Send it back with return code RET-")


def test_only_operators_reach_the_policy_page(shop, alice, associate, northwind_user, login):
    for user in (alice, associate, northwind_user):
        assert denied(login(user).get("/operations/policies/"))
        assert denied(login(user).post("/operations/policies/", {"category": "kitchen", "returnless_under": "1"}))
    assert denied(Client().get("/operations/policies/"))
    assert not PolicyLayer.objects.filter(category="kitchen").exists()


# --- the customer's language ---------------------------------------------------------------------------

HEIDI = {"id": "cust-heidi", "name": "Heidi Brandauer", "email": "heidi.brandauer@example.de",
         "phone": "+49 30 901820", "language": "de", "time_zone": "Europe/Berlin"}


def test_emails_go_out_in_the_customers_language(shop, make_user, login, commit, mailoutbox):
    user = make_user("heidi", "customer", language="de", time_zone=HEIDI["time_zone"])
    Customer.objects.create(user=user, external_id=HEIDI["id"],
                            **{k: HEIDI[k] for k in ("name", "email", "phone", "language", "time_zone")})
    order = delivered_order(shop, "DE-1", customer=HEIDI)
    client = login(user)
    form = ReportForm(client, "DE-1", "return")

    commit(lambda: client.post(form.url, form.data(reason="changed_mind", items={"Ceramic mug set": 1})))

    assert Refund.objects.filter(order=order).count() == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [HEIDI["email"]]
    email = mailoutbox[0]
    assert email.extra_headers["Content-Language"] == "de"
    english_subject = "Your refund for order %(order)s"
    with translation.override("de"):
        german_subject = translation.gettext(english_subject)
    if german_subject != english_subject:  # the German wording, once it is translated
        assert email.subject == german_subject % {"order": "DE-1"}
        assert "Refund of" not in email.body


def test_an_english_speaking_customers_email_says_so(shop, alice, login, commit, mailoutbox):
    delivered_order(shop)
    client = login(alice)
    form = ReportForm(client, "A-1", "return")

    commit(lambda: client.post(form.url, form.data(reason="changed_mind", items={"Ceramic mug set": 1})))

    assert mailoutbox[0].extra_headers["Content-Language"] == "en"
    assert mailoutbox[0].subject == "Your refund for order A-1"


def test_a_declined_request_cannot_simply_be_filed_again(shop, alice, associate, login, commit):
    delivered_order(shop, days_ago=40)
    client = login(alice)
    report = file_return(client, commit, "Ceramic mug set")
    services.report_review_decide(report=report, action="decline", by=associate, note="Used mugs.")

    html = login(alice).get("/orders/A-1/problem/return/").content.decode()
    # The declined mug stays decided (contesting it is a call, not a new form): one of the two is left.
    mug = Order.objects.get(external_id="A-1").lines.get(sku="MUG-SET")
    choices = re.search(rf'<select name="line_{mug.pk}"[^>]*>(.*?)</select>', html, flags=re.S).group(1)
    assert re.findall(r'value="(\d+)"', choices) == ["0", "1"]


def test_a_seller_reads_the_buyers_words_without_their_contact_details(shop, alice, northwind_user, login, commit):
    now = timezone.now()
    shop.send(shop.order_placed("N-9", customer=ALICE, seller=NORTHWIND, fulfilled_by="seller",
                                placed_at=now - timedelta(days=14), ship_by=now - timedelta(days=13),
                                promised_latest=now - timedelta(days=5)),
              shop.payment_captured("N-9", "64.00"),
              shop.shipment_created("N-9", "S-N9", shipped_at=now - timedelta(days=13)))
    order = Order.objects.get(external_id="N-9")
    comment = f"Never came. Call me on {ALICE['phone']} or write to {ALICE['email']} — order N-9, 2 mugs."
    report = commit(lambda: services.report_file(order=order, customer=order.customer, problem="not_received",
                                                 request_key="nr", comment=comment))

    page = login(northwind_user).get(f"/seller/claims/{report.reference}/").content.decode()

    assert ALICE["phone"] not in page and ALICE["email"] not in page
    assert "Never came. Call me on [phone hidden] or write to [email hidden] — order N-9, 2 mugs." in page


def test_a_photo_claiming_enormous_dimensions_is_refused_before_it_is_decoded(shop, alice, login, commit):
    order = delivered_order(shop)
    bomb = io.BytesIO()
    Image.new("1", (9000, 8000)).save(bomb, "PNG")  # 72 megapixels in a few kilobytes
    mug = order.lines.get(sku="MUG-SET")

    with pytest.raises(Invalid) as refused:
        services.report_file(order=order, customer=order.customer, problem="damaged", reason="arrived_damaged",
                             items=[(mug.pk, 1)], photos=[bomb.getvalue()], request_key="bomb")
    assert (refused.value.code, refused.value.field) == ("too_large", "photo")
    assert nothing_recorded(order)
