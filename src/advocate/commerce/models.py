"""The marketplace as the shop's systems describe it: who bought what from whom, and where it is.

Rows here change only through `services` (mostly by applying inbound events); models hold no workflow.
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .status import FulfilledBy


class Seller(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    is_platform = models.BooleanField(default=False, help_text=_("The marketplace operator itself."))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Customer(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=12, default="en")
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Mail from a customer finds them by address, whatever its case.
        indexes = [models.Index(Lower("email"), name="customer_email_lower")]

    def __str__(self):
        return self.name


class Product(models.Model):
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    category = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    stock = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "sku"], name="product_unique_sku_per_seller")]

    def __str__(self):
        return self.title


class Membership(models.Model):
    """A paid membership (free fast shipping)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    plan = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "started_at"])]


class Fulfilment(models.TextChoices):
    PLATFORM = FulfilledBy.PLATFORM.value, _("Shipped by the marketplace")
    SELLER = FulfilledBy.SELLER.value, _("Shipped by the seller")


class CancelledBy(models.TextChoices):
    CUSTOMER = "customer", _("The customer")
    SELLER = "seller", _("The seller")
    PLATFORM = "platform", _("The marketplace")


class OrderState(models.TextChoices):
    PLACED = "placed", _("Placed")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="orders")
    fulfilled_by = models.CharField(max_length=16, choices=Fulfilment.choices)
    state = models.CharField(max_length=16, choices=OrderState.choices, default=OrderState.PLACED)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    placed_at = models.DateTimeField()
    ship_by = models.DateTimeField(help_text=_("Latest time the order must leave the warehouse."))
    promised_earliest = models.DateTimeField()
    promised_latest = models.DateTimeField()
    express = models.BooleanField(default=False)
    ship_to = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=16, blank=True, choices=CancelledBy.choices)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-placed_at"]),
            models.Index(fields=["seller", "-placed_at"]),
            # the orders whose promise is near or just passed, which the proactive rules look at every tick
            models.Index(fields=["promised_latest"], name="order_promised_latest"),
        ]

    def __str__(self):
        return self.external_id


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=32)
    captured_at = models.DateTimeField()


class ShipmentState(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    EXCEPTION = "exception", _("Problem in transit")
    DELIVERED = "delivered", _("Delivered")


class Shipment(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=ShipmentState.choices, default=ShipmentState.IN_TRANSIT)
    shipped_at = models.DateTimeField()
    estimated_delivery = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_detail = models.CharField(max_length=200, blank=True, help_text=_("e.g. left at front door"))

    class Meta:
        # The parcels still on their way — a small share of all — which the proactive rules look at every tick.
        indexes = [models.Index(fields=["shipped_at"], condition=models.Q(delivered_at=None),
                                name="shipment_on_the_way")]


class ScanCode(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up by the carrier")
    IN_TRANSIT = "in_transit", _("In transit")
    AT_DEPOT = "at_depot", _("At the local depot")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELAYED = "delayed", _("Delayed")
    DELIVERY_ATTEMPTED = "delivery_attempted", _("Delivery attempted")
    EXCEPTION = "exception", _("Problem in transit")
    DELIVERED = "delivered", _("Delivered")


class TrackingScan(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="scans")
    occurred_at = models.DateTimeField()
    code = models.CharField(max_length=24, choices=ScanCode.choices)
    location = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["shipment", "occurred_at"])]


class Scope(models.TextChoices):
    """What an integration's key may do; each endpoint for the shop's systems asks for one."""

    EVENTS = "events", _("Send events")
    INSTRUCTIONS = "instructions", _("Read instructions")
    CUSTOMERS = "customers", _("Act for customers")
    SELLER = "seller", _("Seller API, as one seller's login")


class Integration(models.Model):
    """A system of the shop's (or a seller's) that calls the API with its own key, within its scopes.

    Only hashes of keys are kept. Rotating issues a new key and keeps the previous one working until
    `previous_key_until`, so the system can switch over without a gap; revoking stops both at once.
    """

    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    acts_as = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("The seller login a seller-API key acts as."))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    previous_key_prefix = models.CharField(max_length=16, null=True, blank=True, unique=True)
    previous_key_hash = models.CharField(max_length=64, blank=True)
    previous_key_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name

    def may(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        return [label for value, label in Scope.choices if value in self.scopes]


class InboundEvent(models.Model):
    """Every applied event, once: the unique (source, external_id) is what makes a repeat change nothing."""

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=128)
    type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="inbound_event_unique_source_id")
        ]


class InstructionKind(models.TextChoices):
    """What the shop's systems are asked to carry out; the API documents each kind's payload."""

    REFUND = "refund", _("Pay a refund")
    REPLACEMENT = "replacement", _("Send a replacement")
    RETURN_LABEL = "return_label", _("Send a return label")
    ORDER_CANCEL = "order_cancel", _("Stop an order")
    CREDIT = "credit", _("Give goodwill credit")
    UPGRADE_SHIPPING = "upgrade_shipping", _("Upgrade shipping")
    SELLER_STATUS = "seller_status", _("Change a seller's selling status")
    LISTING = "listing", _("Take a listing down or put it back")
    CARRIER_TRACE = "carrier_trace", _("Ask the carrier to trace a parcel")


class Instruction(models.Model):
    """The shop's instruction feed: what its systems must carry out (pay a refund, send a replacement or a
    return label, stop an order, change a seller's status…), in the order decided. Every domain publishes to
    it through `services.instruct`; the shop reads it (`GET /api/v1/instructions?after=`) by `sequence`,
    which is given out in commit order."""

    sequence = models.BigIntegerField(unique=True)
    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=32, choices=InstructionKind.choices)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text=_("Empty for instructions about a seller or a listing."))
    payload = models.JSONField()
    created_at = models.DateTimeField()


class InstructionCounter(models.Model):
    """The last instruction's sequence number: one row, locked while a transaction writes an instruction."""

    value = models.BigIntegerField(default=0)
