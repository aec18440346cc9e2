from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    ASSOCIATE = "associate", _("Service associate")
    SELLER = "seller", _("Seller")
    OPERATOR = "operator", _("Operator")


class User(AbstractUser):
    """A person who signs in. What they may see follows from `role` (and, for sellers, `seller`)."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    language = models.CharField(max_length=12, blank=True, help_text=_("Remembered interface language."))
    time_zone = models.CharField(max_length=64, default="UTC")
    seller = models.ForeignKey(
        "commerce.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_associate(self) -> bool:
        return self.role == Role.ASSOCIATE

    @property
    def is_seller(self) -> bool:
        return self.role == Role.SELLER and self.seller_id is not None

    @property
    def is_operator(self) -> bool:
        # A superuser made with `createsuperuser` is an operator whatever their role field says.
        return self.role == Role.OPERATOR or self.is_superuser


class SignInLinkRequest(models.Model):
    """One emailed sign-in link asked for (whether or not the address was known): what the per-address and
    per-client limits count (`links.link_request_allow`). Kept a day, then forgotten."""

    email = models.CharField(max_length=254)  # lower-cased
    address = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["email", "requested_at"]), models.Index(fields=["address", "requested_at"])]
