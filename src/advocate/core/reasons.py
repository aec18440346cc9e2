"""Why customers contact us: the taxonomy of docs/design.md, shared by conversations, triage and insights.
Every contact is a defect; counting them by reason is how their causes get found and removed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactReason(models.TextChoices):
    ORDER_STATUS = "order_status", _("Where is my order")
    DELIVERY_LATE = "delivery_late", _("Delivery late")
    NOT_RECEIVED = "not_received", _("Not received")
    ITEM_MISSING = "item_missing", _("Item missing")
    DAMAGED_DEFECTIVE = "damaged_defective", _("Damaged or defective")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    RETURN_REQUEST = "return_request", _("Return")
    REFUND_STATUS = "refund_status", _("Refund status")
    CANCEL_ORDER = "cancel_order", _("Cancel an order")
    CHANGE_DELIVERY = "change_delivery", _("Change delivery")
    PAYMENT_PROBLEM = "payment_problem", _("Payment problem")
    ACCOUNT_ACCESS = "account_access", _("Account access")
    MEMBERSHIP = "membership", _("Membership")
    SELLER_UNRESPONSIVE = "seller_unresponsive", _("Seller not responding")
    DIGITAL_CONTENT = "digital_content", _("Digital content")
    PRODUCT_QUESTION = "product_question", _("Question about a product")
    TALK_TO_HUMAN = "talk_to_human", _("Asked for a person")
    FEEDBACK = "feedback", _("Feedback")
    OTHER = "other", _("Other")
