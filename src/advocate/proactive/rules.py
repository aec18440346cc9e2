"""Proactive remedies: rules that watch each order's history and the passing of time, each carrying its remedy.

Plain Python (no Django). A rule reads an order's `History` *as it was known at a moment* — the parcels shipped
by then, the scans and deliveries seen by then, whether the customer had reported a problem by then — and says
which of its steps is due. The live run (`advocate tick`) asks at the present moment; the dry run over history
(`replay`) asks the very same functions at every moment the answer could have changed, so on the same history
both fire the same steps on the same orders.

- *Late against the promise* (`Rule.LATE`): the order is running late — the carrier expects it after the
  promised day, its estimate passed, the carrier reported a problem, or the shipper is a day past the time it
  had to send it. The customer is told, with the new estimate and an apology, and — for members, or for
  everyone, by policy — a goodwill credit, within a monthly budget.
- *Tracking stalled* (`Rule.STALLED`): a parcel on its way has had no scan for `stalled_days`. The carrier is
  asked to trace it (through the shop) and the customer is told what we are doing and by when; if there is
  still no news `remedy_days` later and nothing of the order has arrived, it is refunded or sent again
  without the customer asking.
- *Poor digital delivery* (`Rule.DIGITAL`): the shop reports a film or a download that played below
  `playback_threshold` or failed; the item is refunded at once, and the customer told.
- *Price drop* (`Rule.PRICE_DROP`): the seller lowers a product's price within `price_days` of an order; the
  difference is refunded, and the customer told.

- *Cancelled for lack of stock* (`Rule.STOCK_OUT`): when the seller (or our warehouse) cancels, the refund
  email and the order page point the customer to the same item in stock from another seller on the
  marketplace, or say honestly that nobody else has it right now.
- *Surprise and delight* (`Rule.DELIGHT`, off until an operator turns it on): some of a loyal customer's new
  orders are sent by the fastest service at no cost, with a thank-you, within a monthly budget.

The last four act on an event as it arrives (`services`); the first two on the passing of time.

A rule never fires about an order that is cancelled, about which the customer has already reported a problem,
or whose moment passed long ago (`TOO_OLD`: switching a rule on does not write to last month's customers).
"""

import hashlib
import heapq
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from advocate.commerce.status import OrderFacts, ShipmentFacts, StatusKind, order_status


class Rule(StrEnum):
    LATE = "late"
    STALLED = "stalled"
    DIGITAL = "digital"
    PRICE_DROP = "price_drop"
    DELIGHT = "delight"
    STOCK_OUT = "stock_out"


class Step(StrEnum):
    TELL = "tell"  # late: told, with an apology (and a credit, where the policy gives one)
    TRACE = "trace"  # stalled: the carrier asked to trace the parcel, the customer told
    REMEDY = "remedy"  # stalled: still no news, refunded or sent again; digital, price drop: refunded
    UPGRADE = "upgrade"  # delight: a loyal customer's new order sent by the fastest service, as a thank-you


class CreditFor(StrEnum):
    NOBODY = "nobody"
    MEMBERS = "members"
    EVERYONE = "everyone"


class Remedy(StrEnum):
    REFUND = "refund"
    RESHIP = "reship"


TOO_OLD = timedelta(days=2)  # a rule's moment that passed longer ago than this is let go
JUST_AFTER = timedelta(seconds=1)  # a deadline is passed a moment after it, as the next tick finds it


@dataclass(frozen=True)
class Settings:
    """The operators' switches (`/operations/remedies/`); these defaults hold until someone changes them."""

    late_on: bool = True
    ship_grace_hours: int = 24  # how long past the time to ship before an unshipped order counts as late
    credit_for: CreditFor = CreditFor.MEMBERS
    credit_percent: Decimal = Decimal(5)  # of the order's total
    monthly_budget: Decimal = Decimal(500)  # credits per calendar month, base currency
    stalled_on: bool = True
    stalled_days: int = 3
    remedy_days: int = 4
    remedy: Remedy = Remedy.REFUND
    digital_on: bool = True
    playback_threshold: Decimal = Decimal("0.50")  # a playback quality (0 to 1) below this is refunded
    price_on: bool = True
    price_days: int = 14  # a price drop this many days after the order is refunded the difference
    elsewhere_on: bool = True  # a seller's cancellation points the customer to the item in stock elsewhere
    delight_on: bool = False
    loyal_orders: int = 10  # a customer with this many orders in the last 365 days is loyal (members always are)
    delight_percent: int = 10  # the share of a loyal customer's new orders upgraded, as a surprise
    delight_budget: int = 100  # upgrades per calendar month at most

    @property
    def ship_grace(self) -> timedelta:
        return timedelta(hours=self.ship_grace_hours)


@dataclass(frozen=True)
class Parcel:
    shipped_at: datetime
    delivered_at: datetime | None
    estimate: datetime | None  # the carrier's latest estimate (its history is not kept)
    scans: tuple[datetime, ...] = ()  # when the carrier scanned it on its way (deliveries not included)
    trouble_at: datetime | None = None  # the carrier's problem report, while it is the parcel's state

    def arrived(self, now: datetime) -> bool:
        return self.delivered_at is not None and self.delivered_at <= now

    def last_news(self, now: datetime) -> datetime:
        """The last time we heard of it by `now`: its last scan, or when it left."""
        return max((t for t in self.scans if t <= now), default=self.shipped_at)


@dataclass(frozen=True)
class History:
    ship_by: datetime
    promised_latest: datetime
    total: Decimal
    cancelled_at: datetime | None = None
    parcels: tuple[Parcel, ...] = ()
    reported_at: datetime | None = None  # the first problem the customer reported about it
    memberships: tuple[tuple[datetime, datetime | None], ...] = ()  # (started, ended)

    def facts(self, now: datetime) -> OrderFacts:
        """The order's facts as they were known at `now`."""
        return OrderFacts(
            cancelled_at=self.cancelled_at if self.cancelled_at and self.cancelled_at <= now else None,
            ship_by=self.ship_by, promised_latest=self.promised_latest,
            shipments=[ShipmentFacts(delivered_at=p.delivered_at if p.arrived(now) else None,
                                     estimated_delivery=p.estimate, shipped_at=p.shipped_at,
                                     in_trouble=p.trouble_at is not None and p.trouble_at <= now)
                       for p in self.parcels if p.shipped_at <= now])

    def settled(self, now: datetime) -> bool:
        """Nothing fires: cancelled, or the customer has already told us of a problem."""
        return any(moment is not None and moment <= now for moment in (self.cancelled_at, self.reported_at))

    def member(self, now: datetime) -> bool:
        return any(start <= now and (end is None or end > now) for start, end in self.memberships)

    def waiting(self, now: datetime) -> list[Parcel]:
        return [p for p in self.parcels if p.shipped_at <= now and not p.arrived(now)]

    def silent_since(self, now: datetime) -> datetime | None:
        """Since when the quietest parcel still on its way has had no news (None: nothing is on its way)."""
        return min((p.last_news(now) for p in self.waiting(now)), default=None)


# --- the rules --------------------------------------------------------------------------------------------


def late_due(history: History, now: datetime, settings: Settings) -> bool:
    """Tell the customer their order is running late (once, however long it stays late)."""
    if not settings.late_on or history.settled(now) or now - history.promised_latest > TOO_OLD:
        return False
    status = order_status(history.facts(now), now)
    if status.kind == StatusKind.LATE:
        return True
    return status.kind == StatusKind.SHIP_OVERDUE and now >= history.ship_by + settings.ship_grace


def stalled_step(history: History, now: datetime, settings: Settings, traced_at: datetime | None) -> Step | None:
    """Which step of the stalled-tracking rule is due: TRACE when a parcel has had no news for `stalled_days`;
    REMEDY when, `remedy_days` after the trace, it still has none and nothing of the order has arrived."""
    if not settings.stalled_on or history.settled(now):
        return None
    silent = history.silent_since(now)
    if silent is None:
        return None
    if traced_at is None:
        quiet_for = now - silent
        stalled = timedelta(days=settings.stalled_days)
        return Step.TRACE if stalled <= quiet_for <= stalled + TOO_OLD else None
    nothing_arrived = not any(p.arrived(now) for p in history.parcels)
    if silent <= traced_at and nothing_arrived and now >= traced_at + timedelta(days=settings.remedy_days):
        return Step.REMEDY
    return None


def news_since(history: History, now: datetime, traced_at: datetime) -> bool:
    """After a trace: the parcels were heard of again (a scan or a delivery), so the promise to act is kept."""
    silent = history.silent_since(now)
    return silent is None or silent > traced_at


def remedy_due_at(traced_at: datetime, settings: Settings) -> datetime:
    return traced_at + timedelta(days=settings.remedy_days)


def credit(history: History, now: datetime, settings: Settings) -> Decimal:
    """The goodwill credit a late order earns under the policy (0: none), before the budget is checked."""
    if settings.credit_for == CreditFor.NOBODY or (
            settings.credit_for == CreditFor.MEMBERS and not history.member(now)):
        return Decimal(0)
    return share(history.total, settings.credit_percent)


def share(total: Decimal, percent: Decimal) -> Decimal:
    """`percent` of `total`, to the cent (half up)."""
    return (total * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def poor_delivery(quality: Decimal | None, settings: Settings) -> bool:
    """Digital content that did not play well enough (`quality` from 0 to 1) or would not download (None)."""
    return settings.digital_on and (quality is None or quality < settings.playback_threshold)


def price_difference(*, paid: Decimal, price: Decimal, quantity: int, placed_at: datetime, changed_at: datetime,
                     settings: Settings) -> Decimal:
    """What a price drop within the window after the order gives back (0: nothing)."""
    if not settings.price_on or not placed_at <= changed_at <= placed_at + timedelta(days=settings.price_days):
        return Decimal(0)
    return max(paid - price, Decimal(0)) * quantity


def month_start(moment: datetime) -> datetime:
    """The start of the calendar month (UTC) that budgets are counted in."""
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def loyal(*, orders_last_year: int, member: bool, settings: Settings) -> bool:
    return member or orders_last_year >= settings.loyal_orders


def surprised(order_number: str, settings: Settings) -> bool:
    """Whether this order is one of the `delight_percent` that get the surprise: decided by the order number
    alone, so a dry run and a retry decide the same, and nobody can tell which of their orders will."""
    digest = hashlib.sha256(f"delight:{order_number}".encode()).digest()
    return settings.delight_on and int.from_bytes(digest[:4], "big") % 100 < settings.delight_percent


# --- the dry run ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    at: datetime
    rule: Rule
    step: Step


@dataclass
class _Replay:
    moments: list[datetime] = field(default_factory=list)

    def add(self, moment: datetime | None, start: datetime, end: datetime) -> None:
        if moment is not None and start <= moment <= end:
            heapq.heappush(self.moments, moment)


def replay(history: History, settings: Settings, start: datetime, end: datetime) -> list[Firing]:
    """What the rules would have done to this order between `start` and `end`, had they been running: the same
    questions the live run asks, at every moment an answer could have changed."""
    stalled = timedelta(days=settings.stalled_days)
    queue = _Replay()
    passed = [history.ship_by + settings.ship_grace, history.promised_latest]  # "late" once these are past
    for parcel in history.parcels:
        passed += [parcel.estimate] if parcel.estimate else []
        for moment in (parcel.shipped_at, parcel.delivered_at, parcel.trouble_at, parcel.shipped_at + stalled,
                       *parcel.scans, *(scan + stalled for scan in parcel.scans)):
            queue.add(moment, start, end)
    for moment in (start, *passed, *(moment + JUST_AFTER for moment in passed)):
        queue.add(moment, start, end)
    fired: list[Firing] = []
    told, traced_at, remedied, last = False, None, False, None
    while queue.moments:
        now = heapq.heappop(queue.moments)
        if now == last:
            continue
        last = now
        if not told and late_due(history, now, settings):
            told = True
            fired.append(Firing(now, Rule.LATE, Step.TELL))
        if remedied:
            continue
        step = stalled_step(history, now, settings, traced_at)
        if step == Step.TRACE:
            traced_at = now
            fired.append(Firing(now, Rule.STALLED, Step.TRACE))
            queue.add(remedy_due_at(now, settings), start, end)
        elif step == Step.REMEDY:
            remedied = True
            fired.append(Firing(now, Rule.STALLED, Step.REMEDY))
    return fired
