"""A deterministic demo marketplace, from a few hundred orders for a newcomer to millions for benchmarks.
Written into commerce's tables directly; `demo.claims`, `demo.cases` add what the other domains show.

The same seed and anchor time always give the same marketplace. Rows are generated in Python and
written in bulk (raw multi-row inserts), because a million orders through the ORM one by one would take
an hour; the events path is exercised by the intake tests and benchmark instead.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max

from advocate.accounts.models import Role, User
from advocate.commerce.models import (
    Customer,
    Membership,
    Order,
    OrderLine,
    Payment,
    Product,
    Seller,
    Shipment,
    TrackingScan,
)
from advocate.core.db import insert_rows

from .models import DemoScenario

LOCALES = {
    # language: (time zone, currency, given names, family names, city)
    "en": (
        "Europe/London",
        "GBP",
        ["Olivia", "James", "Amelia", "Noah", "Grace"],
        ["Smith", "Taylor", "Brown", "Wilson"],
        "London",
    ),
    "zh-hans": ("Asia/Shanghai", "CNY", ["伟", "芳", "娜", "敏", "静"], ["王", "李", "张", "刘"], "上海"),
    "ar": (
        "Asia/Riyadh",
        "SAR",
        ["محمد", "فاطمة", "أحمد", "نورة", "خالد"],
        ["العتيبي", "القحطاني", "الحربي", "الشمري"],
        "الرياض",
    ),
    "ru": (
        "Europe/Moscow",
        "RUB",
        ["Анна", "Иван", "Мария", "Дмитрий", "Ольга"],
        ["Иванова", "Смирнов", "Кузнецова", "Попов"],
        "Москва",
    ),
    "es": (
        "Europe/Madrid",
        "EUR",
        ["Lucía", "Hugo", "Martina", "Mateo", "Sofía"],
        ["García", "Martínez", "López", "Sánchez"],
        "Madrid",
    ),
    "de": (
        "Europe/Berlin",
        "EUR",
        ["Emma", "Paul", "Mia", "Leon", "Hannah"],
        ["Müller", "Schmidt", "Schneider", "Fischer"],
        "Berlin",
    ),
    "fr": (
        "Europe/Paris",
        "EUR",
        ["Louise", "Gabriel", "Jade", "Raphaël", "Chloé"],
        ["Martin", "Bernard", "Dubois", "Thomas"],
        "Paris",
    ),
    "ja": ("Asia/Tokyo", "JPY", ["陽翔", "結菜", "蓮", "葵", "湊"], ["佐藤", "鈴木", "高橋", "田中"], "東京"),
}
LANGUAGES = list(LOCALES)

CATALOGUE = {
    "electronics": ["Wireless earbuds", "USB-C charger 65W", "E-reader 6-inch", "Bluetooth speaker", "Smart watch"],
    "home": ["Cast-iron skillet", "Linen duvet cover", "Ceramic mug set", "Desk lamp", "Bamboo cutting board"],
    "fashion": ["Merino wool jumper", "Running shoes", "Rain jacket", "Leather belt", "Cotton T-shirt 3-pack"],
    "toys": ["Wooden train set", "Building blocks 500 pcs", "Puzzle 1000 pieces", "Plush bear"],
    "books": ["Cookbook: Weeknight Dinners", "Field guide to birds", "Children's atlas"],
    "grocery": ["Single-origin coffee beans 1kg", "Green tea 100 bags", "Olive oil 1L"],
}
CARRIERS = ["ParcelNet", "SwiftPost", "Oceanic Express", "CityCourier"]
DETAILS = ["left at front door", "handed to resident", "left with neighbour", "in parcel locker", "signed for"]

# Seller quality tiers: how often each kind of trouble happens (per order), relative to a good seller.
TIERS = {
    "excellent": 0.4,
    "good": 1.0,
    "slow": 2.5,
    "poor": 6.0,
}
# Base rates of planned trouble for a "good" seller.
TROUBLE_RATES = [
    ("lost", 0.004),
    ("late", 0.02),
    ("not_received", 0.005),  # carrier says delivered, customer has nothing
    ("damaged", 0.008),
    ("wrong_item", 0.004),
    ("not_as_described", 0.004),
    ("item_missing", 0.004),
    ("stock_cancel", 0.004),  # the seller cancels for lack of stock
    ("slow_to_ship", 0.01),
    ("customer_cancel", 0.01),
]
# How many days before `now` a showcase order of each kind is placed (others: 10 to 20 days, delivered).
SHOWCASE_AGE_DAYS = {"arriving": 1, "late": 8, "lost": 12, "not_shipped": 0, "slow_to_ship": 6, "multi_parcel": 4}
# The DemoScenario kinds that are troubles (the others only label showcase orders).
TROUBLES = {kind for kind, _ in TROUBLE_RATES} | {"multi_parcel"}
# Every demo login owns at least one order of each of these, so every screen has something to show.
SHOWCASE = [
    "arriving",
    "late",
    "lost",
    "delivered",
    "not_shipped",
    "slow_to_ship",
    "damaged",
    "item_missing",
    "not_received",
    "stock_cancel",
    "multi_parcel",
    "wrong_item",
]


@dataclass
class DemoSize:
    orders: int = 2_000
    customers: int | None = None  # default: one per four orders
    sellers: int = 12
    days: int = 120  # orders spread over this many days before `now`

    @property
    def customer_count(self) -> int:
        return self.customers or max(len(LANGUAGES) * 2, self.orders // 4)


class _Ids:
    """Primary keys assigned here, so child rows can point at parents without a round trip."""

    def __init__(self, model):
        self.next = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1


class _Writer:
    """Buffers rows per table (primary keys given here) and writes them in bulk; one transaction per flush."""

    def __init__(self):
        self.rows: dict[type, list[dict]] = {}

    def add(self, model, **values):
        self.rows.setdefault(model, []).append(values)

    def flush(self):
        with transaction.atomic():
            for model, rows in self.rows.items():
                insert_rows(model, rows, with_pk=True)
                rows.clear()


def _reset_sequences():
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    models = [Seller, Customer, Product, Membership, Order, OrderLine, Payment, Shipment, TrackingScan]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def generate(
    *, seed: int = 7, size: DemoSize | None = None, now: datetime | None = None, progress=None
) -> dict[str, int]:
    """Write a demo marketplace into the (empty) commerce tables and return how many rows of each."""
    size = size or DemoSize()
    if Order.objects.exists():
        raise ValueError("The database already has orders; generate the demo into an empty database.")
    now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    writer = _Writer()
    ids = {
        m: _Ids(m) for m in (Seller, Customer, Product, Membership, Order, OrderLine, Payment, Shipment, TrackingScan)
    }
    counts = {"sellers": 0, "customers": 0, "products": 0, "orders": 0, "shipments": 0, "scans": 0}

    sellers = _sellers(rng, size.sellers, writer, ids, now)
    products = _products(rng, sellers, writer, ids)
    customers = _customers(rng, size.customer_count, writer, ids, now)
    writer.flush()
    counts.update(sellers=len(sellers), products=sum(len(p) for p in products.values()), customers=len(customers))

    gen = _OrderGenerator(rng, now, size.days, sellers, products, writer, ids, counts)
    showcase = _showcase_plan(customers)
    for index in range(size.orders):
        if index < len(showcase):
            customer, scenario = showcase[index]
        else:
            customer, scenario = rng.choice(customers), None
        gen.order(index, customer, scenario)
        if index % 5_000 == 4_999:
            writer.flush()
            if progress:
                progress(5_000)
    writer.flush()
    if progress:
        progress(size.orders % 5_000)
    _reset_sequences()
    return counts


_SELLER_TIERS = ["excellent", "good", "good", "slow", "poor"]


def seller_tier(external_id: str) -> str:
    """The quality tier the generator gave a seller ("platform" is excellent), for benchmarks."""
    if external_id == "platform":
        return "excellent"
    return _SELLER_TIERS[int(external_id.rsplit("-", 1)[1]) % len(_SELLER_TIERS)]


def _sellers(rng, count, writer, ids, now):
    sellers = [{"id": ids[Seller].take(), "tier": "excellent", "platform": True, "ships": "platform"}]
    writer.add(
        Seller, id=sellers[0]["id"], external_id="platform", name="Advocate Retail", is_platform=True, created_at=now
    )
    names = [
        "Northwind Goods",
        "Blue Heron Trading",
        "Kettle & Co",
        "Sakura Living",
        "Atlas Outfitters",
        "Maison Lumière",
        "Polar Gear",
        "Casa Verde",
        "Rhein Handel",
        "Dune Market",
        "Red Panda Toys",
        "Volga Books",
        "Lotus Home",
        "Granite Tools",
        "Iberia Sol",
    ]
    for i in range(1, count):
        tier = _SELLER_TIERS[i % len(_SELLER_TIERS)]
        seller = {
            "id": ids[Seller].take(),
            "tier": tier,
            "platform": False,
            "ships": "platform" if i % 3 == 0 else "seller",
        }
        name = names[(i - 1) % len(names)] + ("" if i <= len(names) else f" {i // len(names) + 1}")
        writer.add(Seller, id=seller["id"], external_id=f"seller-{i:04d}", name=name, is_platform=False, created_at=now)
        sellers.append(seller)
    return sellers


def _products(rng, sellers, writer, ids):
    products = {}
    for seller in sellers:
        items = []
        for category in rng.sample(list(CATALOGUE), k=3 if not seller["platform"] else len(CATALOGUE)):
            for title in CATALOGUE[category]:
                pid = ids[Product].take()
                price = Decimal(rng.randrange(499, 19999)) / 100
                sku = f"{category[:3].upper()}-{seller['id']:04d}-{pid}"
                writer.add(
                    Product,
                    id=pid,
                    seller_id=seller["id"],
                    sku=sku,
                    title=title,
                    category=category,
                    price=price,
                    stock=rng.randrange(0, 500),
                )
                items.append((pid, sku, title, price))
        products[seller["id"]] = items
    return products


def _customers(rng, count, writer, ids, now):
    customers = []
    for i in range(count):
        language = LANGUAGES[i % len(LANGUAGES)]
        tz, currency, given, family, city = LOCALES[language]
        cid = ids[Customer].take()
        name = (
            f"{rng.choice(family)}{rng.choice(given)}"
            if language in ("zh-hans", "ja")
            else f"{rng.choice(given)} {rng.choice(family)}"
        )
        member = rng.random() < 0.3
        writer.add(
            Customer,
            id=cid,
            external_id=f"cust-{i:07d}",
            name=name,
            email=f"customer{i}@example.com",
            phone=f"+1555{i:07d}",
            language=language,
            time_zone=tz,
            created_at=now,
        )
        if member:
            writer.add(
                Membership,
                id=ids[Membership].take(),
                customer_id=cid,
                plan="Advocate Plus",
                started_at=now - timedelta(days=rng.randrange(30, 700)),
                ended_at=None,
            )
        customers.append({"id": cid, "language": language, "currency": currency, "city": city, "member": member})
    return customers


def _showcase_plan(customers):
    """The first customer of each language is a demo login; give each one every interesting situation."""
    plan = []
    for customer in customers[: len(LANGUAGES)]:
        for scenario in SHOWCASE:
            plan.append((customer, scenario))
    return plan


class _OrderGenerator:
    def __init__(self, rng, now, days, sellers, products, writer, ids, counts):
        self.rng, self.now, self.days = rng, now, days
        self.sellers, self.products, self.writer, self.ids, self.counts = sellers, products, writer, ids, counts
        self.third_party = [s for s in sellers if not s["platform"]]

    def _pick_scenario(self, seller) -> str:
        factor = TIERS[seller["tier"]]
        roll = self.rng.random()
        for kind, rate in TROUBLE_RATES:
            if kind == "slow_to_ship" and seller["tier"] in ("slow", "poor"):
                rate *= 4
            roll -= rate * factor
            if roll < 0:
                return kind
        if self.rng.random() < 0.03:
            return "multi_parcel"
        return "normal"

    def order(self, index: int, customer: dict, scenario: str | None) -> None:
        rng, now = self.rng, self.now
        seller = self.sellers[0] if rng.random() < 0.4 else rng.choice(self.third_party)
        if scenario in ("slow_to_ship", "stock_cancel"):
            seller = rng.choice([s for s in self.third_party if s["ships"] == "seller"] or self.third_party)
        fulfilled_by = seller["ships"]
        express = customer["member"] and fulfilled_by == "platform"
        handling = timedelta(days=1 if fulfilled_by == "platform" else rng.choice([1, 2, 3]))
        transit = timedelta(days=1 if express else rng.choice([2, 3, 4, 5]))

        # A showcase order is timed backwards from `now`, so that it is in its situation at that moment.
        showcase = scenario is not None
        if showcase:
            if scenario in ("arriving", "not_shipped"):
                handling = timedelta(days=1)
            age = SHOWCASE_AGE_DAYS[scenario] if scenario in SHOWCASE_AGE_DAYS else rng.randrange(10, 20)
            placed_at = now - timedelta(days=age, hours=rng.randrange(0, 6))
        else:
            placed_at = now - timedelta(seconds=rng.randrange(0, self.days * 86_400))
        placed_at = placed_at.replace(microsecond=0)
        scenario = scenario or self._pick_scenario(seller)

        ship_by = placed_at + handling
        promised_latest = (ship_by + transit).replace(hour=20, minute=0, second=0)
        if showcase and scenario == "arriving":
            promised_latest = (now + timedelta(days=2)).replace(hour=20, minute=0, second=0)
        order_id = self.ids[Order].take()
        items = rng.sample(
            self.products[seller["id"]], k=min(len(self.products[seller["id"]]), rng.choice([1, 1, 1, 2, 3]))
        )
        total = Decimal(0)
        for pid, sku, title, price in items:
            qty = rng.choice([1, 1, 1, 2])
            total += price * qty
            self.writer.add(
                OrderLine,
                id=self.ids[OrderLine].take(),
                order_id=order_id,
                product_id=pid,
                sku=sku,
                title=title,
                quantity=qty,
                unit_price=price,
            )
        state, cancelled_at, cancelled_by, reason = "placed", None, "", ""
        if scenario in ("stock_cancel", "customer_cancel"):
            state = "cancelled"
            cancelled_at = placed_at + timedelta(hours=rng.randrange(2, 30))
            cancelled_by, reason = (
                ("seller", "out of stock") if scenario == "stock_cancel" else ("customer", "changed my mind")
            )
        self.writer.add(
            Order,
            id=order_id,
            external_id=f"A{index + 1:08d}",
            customer_id=customer["id"],
            seller_id=seller["id"],
            fulfilled_by=fulfilled_by,
            state=state,
            currency=customer["currency"],
            total=total,
            placed_at=placed_at,
            ship_by=ship_by,
            promised_earliest=promised_latest - timedelta(days=1),
            promised_latest=promised_latest,
            express=express,
            ship_to=customer["city"],
            cancelled_at=cancelled_at,
            cancelled_by=cancelled_by,
            cancel_reason=reason,
        )
        self.writer.add(
            Payment,
            id=self.ids[Payment].take(),
            order_id=order_id,
            amount=total,
            method=rng.choice(["card", "card", "paypal", "bank transfer"]),
            captured_at=placed_at + timedelta(minutes=rng.randrange(1, 30)),
        )
        self.counts["orders"] += 1
        if scenario != "normal":
            self.writer.add(DemoScenario, order_id=order_id, kind=scenario)
        if state == "cancelled":
            return

        shipped_at = ship_by - timedelta(hours=rng.randrange(1, 20))
        if scenario == "slow_to_ship":
            shipped_at = ship_by + timedelta(days=rng.randrange(2, 6))
        if shipped_at > now or scenario == "not_shipped" or (showcase and scenario == "slow_to_ship"):
            return  # still with the shipper
        parcels = 2 if scenario == "multi_parcel" else 1
        for parcel in range(parcels):
            self._shipment(
                order_id,
                index,
                parcel,
                scenario if parcel == parcels - 1 else "normal",
                shipped_at,
                transit,
                promised_latest,
                showcase,
            )

    def _shipment(self, order_id, index, parcel, scenario, shipped_at, transit, promised_latest, showcase):
        rng, now = self.rng, self.now
        sid = self.ids[Shipment].take()
        estimate = promised_latest
        scans = [("picked_up", shipped_at + timedelta(hours=2), "")]
        delivered_at, detail, state = None, "", "in_transit"
        arrival = shipped_at + transit - timedelta(hours=rng.randrange(0, 10))
        if scenario == "multi_parcel":
            arrival = now + timedelta(days=2)  # the second parcel is still on its way
        if showcase and scenario == "arriving":
            arrival = promised_latest - timedelta(hours=rng.randrange(4, 30))
        if scenario == "late":
            # A showcase late parcel is still on its way, expected some days after the promise.
            base = max(promised_latest, now) if showcase else promised_latest
            arrival = base + timedelta(days=rng.randrange(2, 5))
            estimate = arrival
            scans.append(("delayed", shipped_at + transit - timedelta(hours=6), "Weather delay at the hub"))
        if scenario == "lost":
            arrival = None
            scans.append(("in_transit", shipped_at + timedelta(hours=20), ""))
        steps = [("in_transit", 0.3), ("at_depot", 0.7), ("out_for_delivery", 0.95)]
        if arrival is not None:
            span = arrival - shipped_at
            for code, frac in steps:
                moment = shipped_at + span * frac
                if moment <= now:
                    scans.append((code, moment, ""))
            if arrival <= now:
                delivered_at, state = arrival.replace(microsecond=0), "delivered"
                detail = rng.choice(DETAILS)
                scans.append(("delivered", delivered_at, detail))
        self.writer.add(
            Shipment,
            id=sid,
            external_id=f"S{index + 1:08d}-{parcel + 1}",
            order_id=order_id,
            carrier=rng.choice(CARRIERS),
            tracking_number=f"TRK{index:09d}{parcel}",
            state=state,
            shipped_at=shipped_at,
            estimated_delivery=estimate,
            delivered_at=delivered_at,
            delivery_detail=detail,
        )
        self.counts["shipments"] += 1
        for code, moment, description in scans:
            if moment > now:
                continue
            self.writer.add(
                TrackingScan,
                id=self.ids[TrackingScan].take(),
                shipment_id=sid,
                occurred_at=moment,
                code=code,
                location=f"Hub {rng.randrange(1, 40)}",
                description=description,
            )
            self.counts["scans"] += 1


DEMO_PASSWORD = "advocate-demo"


def demo_seller() -> Seller | None:
    """The seller the demo-seller login works for: one of the weaker ones, so its screens have something to say."""
    return Seller.objects.filter(is_platform=False).order_by("id")[3:4].first() or Seller.objects.first()


_DEMO_CUSTOMER_LOGINS = {
    "en": "demo-customer",
    **{lang: f"demo-customer-{lang.split('-')[0]}" for lang in LANGUAGES[1:]},
}


def create_demo_logins() -> list[tuple[str, str]]:
    """One login per role (and a customer per language), all with DEMO_PASSWORD; returns (role, username)."""
    logins = []
    for language, username in _DEMO_CUSTOMER_LOGINS.items():
        customer = Customer.objects.filter(language=language, user__isnull=True).order_by("id").first()
        if customer is None:
            continue
        user = User.objects.create_user(
            username,
            customer.email,
            DEMO_PASSWORD,
            role=Role.CUSTOMER,
            first_name=customer.name,
            language=language,
            time_zone=customer.time_zone,
        )
        customer.user = user
        customer.save(update_fields=["user"])
        logins.append((f"Customer ({language})", username))
    User.objects.create_user("demo-seller", "seller@example.com", DEMO_PASSWORD, role=Role.SELLER,
                             seller=demo_seller())
    User.objects.create_user("demo-associate", "associate@example.com", DEMO_PASSWORD, role=Role.ASSOCIATE)
    User.objects.create_superuser("demo-operator", "operator@example.com", DEMO_PASSWORD, role=Role.OPERATOR)
    return [*logins, ("Seller", "demo-seller"), ("Associate", "demo-associate"), ("Operator", "demo-operator")]


def demo_logins() -> list[tuple[str, str]]:
    """(role, username) of the demo accounts, if the demo marketplace was generated here."""
    users = User.objects.filter(username__startswith="demo-").order_by("role", "username")
    return [(user.get_role_display(), user.username) for user in users]
