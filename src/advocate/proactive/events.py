"""The events proactive owns — how digital content played for the customer — and what it does on commerce's
price changes. Applied inside the event intake's transaction, exactly once with the event."""

from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from pydantic import Field

from advocate.commerce.events import EventData, EventListener, EventRejected, EventType, Id
from advocate.commerce.models import OrderLine

from . import on_events


class PlaybackQuality(EventData):
    """How well a film, a song or a game stream played for the customer: 0 (not at all) to 1 (perfectly)."""

    order_id: Id
    sku: Id
    quality: Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
    detail: Annotated[str, Field(max_length=300)] = ""


class DownloadFailed(EventData):
    """A download the customer bought could not be completed."""

    order_id: Id
    sku: Id
    detail: Annotated[str, Field(max_length=300)] = ""


def _bought(batch, data) -> str:
    """The order's number, once the order exists and holds the item (else the event is rejected)."""
    order = batch.order(data.order_id)
    staged = any(line.order is order and line.sku == data.sku for line in batch.new.get(OrderLine, []))
    if not staged and not (order.pk and OrderLine.objects.filter(order=order, sku=data.sku).exists()):
        raise EventRejected.at("data.sku", f"order {data.order_id!r} has no item {data.sku!r}")
    return order.external_id


def _playback_quality(batch, data: PlaybackQuality, envelope) -> None:
    number = _bought(batch, data)
    batch.after_write(lambda: on_events.digital_remedy(order_number=number, sku=data.sku, quality=data.quality,
                                                      at=envelope.occurred_at))


def _download_failed(batch, data: DownloadFailed, envelope) -> None:
    number = _bought(batch, data)
    batch.after_write(lambda: on_events.digital_remedy(order_number=number, sku=data.sku, quality=None,
                                                      at=envelope.occurred_at))


def _price_protection(events) -> None:
    for data, envelope in events:
        on_events.price_drop_remedy(seller=data.seller_id, sku=data.sku, price=data.price, at=envelope.occurred_at)


def _delight(events) -> None:
    on_events.delight(order_numbers=[data.order_id for data, _envelope in events], now=timezone.now())


def _stock_out(events) -> None:
    on_events.stock_out_tell(order_numbers=[data.order_id for data, envelope in events
                                           if data.by != "customer" and on_events.fresh(envelope.occurred_at)])


EVENT_TYPES = [
    EventType("content.playback_quality", PlaybackQuality, _playback_quality, order=300,
              doc="`order_id`, `sku`, `quality` (0 to 1), `detail?`"),
    EventType("content.download_failed", DownloadFailed, _download_failed, order=310,
              doc="`order_id`, `sku`, `detail?`"),
]
LISTENERS = [EventListener("proactive.price_protection", frozenset({"price.changed"}), _price_protection, order=50),
             EventListener("proactive.delight", frozenset({"order.placed"}), _delight, order=60),
             # before claims' refund (order 10), so the refund email finds what was recorded
             EventListener("proactive.stock_out", frozenset({"order.cancelled"}), _stock_out, order=5)]
