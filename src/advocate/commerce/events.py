"""What the shop's systems may tell us: the envelope every event comes in, the shape of commerce's own kinds
of event, and the registry of every kind (other domains add theirs).

Plain Python (pydantic, no Django) so every rule about an event's shape is testable without a database
and the same schemas document the API.
"""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from advocate.core.registry import Registry

Id = Annotated[str, Field(min_length=1, max_length=64)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
MAX_AMOUNT = Decimal(10) ** 10  # what a money column (12 digits, 2 after the point) can hold
MAX_STOCK = 1_000_000_000  # a stock count; the column holds up to 2**31 - 1 on PostgreSQL


class EventData(BaseModel):
    """The `data` of an event: every field checked, nothing unknown accepted."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerRef(EventData):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
    phone: Annotated[str, Field(max_length=40)] = ""
    language: Annotated[str, Field(max_length=12)] = "en"
    time_zone: Annotated[str, Field(max_length=64)] = "UTC"

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value


class SellerRef(EventData):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    is_platform: bool = False


class OrderLineData(EventData):
    sku: Id
    title: Annotated[str, Field(min_length=1, max_length=300)]
    quantity: Annotated[int, Field(ge=1, le=10_000)]
    unit_price: Money
    category: Annotated[str, Field(max_length=64)] = ""


def _lines_total(lines: list[OrderLineData]) -> Decimal:
    return sum((line.unit_price * line.quantity for line in lines), Decimal("0"))


class OrderPlaced(EventData):
    order_id: Id
    customer: CustomerRef
    seller: SellerRef
    fulfilled_by: Literal["platform", "seller"]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[list[OrderLineData], Field(min_length=1, max_length=500)]
    total: Money | None = None
    placed_at: AwareDatetime | None = None
    ship_by: AwareDatetime
    promised_earliest: AwareDatetime | None = None
    promised_latest: AwareDatetime
    express: bool = False
    ship_to: Annotated[str, Field(max_length=300)] = ""

    @field_validator("lines")
    @classmethod
    def _total_fits(cls, lines: list[OrderLineData]) -> list[OrderLineData]:
        if _lines_total(lines) >= MAX_AMOUNT:
            raise ValueError(f"the order's total must be less than {MAX_AMOUNT:,}")
        return lines

    @model_validator(mode="after")
    def _default_total(self):
        if self.total is None:
            self.total = _lines_total(self.lines)
        return self

    @model_validator(mode="after")
    def _promise_after_dispatch(self):
        if self.promised_latest < self.ship_by:
            raise ValueError("promised_latest must not be before ship_by")
        if self.promised_earliest and self.promised_earliest > self.promised_latest:
            raise ValueError("promised_earliest must not be after promised_latest")
        return self


class PaymentCaptured(EventData):
    order_id: Id
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    method: Annotated[str, Field(min_length=1, max_length=32)]


class OrderCancelled(EventData):
    order_id: Id
    by: Literal["customer", "seller", "platform"]
    reason: Annotated[str, Field(max_length=200)] = ""


class ShipmentCreated(EventData):
    order_id: Id
    shipment_id: Id
    carrier: Annotated[str, Field(min_length=1, max_length=64)]
    tracking_number: Annotated[str, Field(max_length=64)] = ""
    estimated_delivery: AwareDatetime | None = None


ScanCodeLiteral = Literal[
    "picked_up", "in_transit", "at_depot", "out_for_delivery", "delayed", "delivery_attempted", "exception"
]


class TrackingScan(EventData):
    shipment_id: Id
    code: ScanCodeLiteral
    location: Annotated[str, Field(max_length=120)] = ""
    description: Annotated[str, Field(max_length=300)] = ""
    estimated_delivery: AwareDatetime | None = None


class ShipmentDelivered(EventData):
    shipment_id: Id
    detail: Annotated[str, Field(max_length=200)] = ""
    location: Annotated[str, Field(max_length=120)] = ""


class StockChanged(EventData):
    seller_id: Id
    sku: Id
    quantity: Annotated[int, Field(ge=0, le=MAX_STOCK)]


class PriceChanged(EventData):
    seller_id: Id
    sku: Id
    price: Money


class MembershipStarted(EventData):
    customer_id: Id
    plan: Annotated[str, Field(min_length=1, max_length=64)]


class MembershipEnded(EventData):
    customer_id: Id


# --- the registry of event types -------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    """One kind of event the shop's systems may send. Commerce registers its own; other domains register theirs
    (claims: returns; sellers: chargebacks) from their `AppConfig.ready`.

    `apply(batch, data, envelope)` runs inside the batch's transaction (see `intake`): it first checks everything
    that could make the event invalid, raising EventRejected, and only then stages its changes, so a rejected
    event leaves no trace. `doc` lists the data's fields as the README's event tables show them ("`order_id`,
    `reason?`"); a test holds the README, the docs and the schemas to each other."""

    name: str
    schema: type[EventData]
    apply: Callable
    doc: str
    order: int = 100  # where the type is listed


@dataclass(frozen=True)
class EventListener:
    """Acts on applied events of some types, after the batch's rows are written and in the same transaction:
    `call([(data, envelope), …])` once per batch, with the batch's events of those types in batch order.
    Listeners run in `order`."""

    name: str
    types: frozenset[str]
    call: Callable
    order: int = 100


EVENT_TYPES: Registry[EventType] = Registry("event type")
LISTENERS: Registry[EventListener] = Registry("event listener")


def register_events(types: list[EventType] = (), listeners: list[EventListener] = ()) -> None:
    for event_type in types:
        EVENT_TYPES.add(event_type)
    for listener in listeners:
        LISTENERS.add(listener)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: Annotated[str, Field(min_length=1, max_length=64)]
    id: Annotated[str, Field(min_length=1, max_length=128)]
    type: str
    occurred_at: AwareDatetime
    data: dict

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if EVENT_TYPES.get(value) is None:
            raise ValueError(f"unknown event type {value!r}; known types: {', '.join(EVENT_TYPES.names())}")
        return value


class FieldError(BaseModel):
    field: str
    message: str


class EventRejected(Exception):
    """An event that cannot be applied; each error names the field at fault as a dotted path."""

    def __init__(self, errors: list[FieldError], envelope: "Envelope | None" = None):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors
        self.envelope = envelope  # set when only the data was wrong

    @classmethod
    def at(cls, field: str, message: str) -> "EventRejected":
        return cls([FieldError(field=field, message=message)])


def _errors_from(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    errors = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in (prefix, *err["loc"]) if part != "")
        errors.append(FieldError(field=path or "item", message=err["msg"]))
    return errors


def _nul_at(value: object, path: str) -> str | None:
    """The dotted path of the first text (or key) holding a NUL character, which no database column can store."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            if (found := _nul_at(item, here)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_at(item, f"{path}.{index}")) is not None:
                return found
    return None


NUL_MESSAGE = "text must not contain NUL (\\u0000) characters"


def parse_event(raw: object) -> tuple[Envelope, EventData]:
    """Check one raw item against the envelope and its type's data schema."""
    if not isinstance(raw, dict):
        raise EventRejected.at("item", "each event must be a JSON object")
    if (at := _nul_at({k: v for k, v in raw.items() if k != "data"}, "")) is not None:
        raise EventRejected.at(at, NUL_MESSAGE)
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise EventRejected(_errors_from(exc)) from None
    if (at := _nul_at(envelope.data, "data")) is not None:
        raise EventRejected([FieldError(field=at, message=NUL_MESSAGE)], envelope)
    try:
        data = EVENT_TYPES.get(envelope.type).schema.model_validate(envelope.data)
    except ValidationError as exc:
        raise EventRejected(_errors_from(exc, "data"), envelope) from None
    return envelope, data
