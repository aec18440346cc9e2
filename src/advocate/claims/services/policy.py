"""Operators' return and refund policy layers: the marketplace's default, and layers per category, per seller
and per seller and category, each setting only the fields it changes."""

from django.utils.translation import gettext_lazy as _

from advocate.core.errors import Invalid, Refused

from ..models import PolicyLayer
from ..rules import POLICY_FIELDS
from .refusals import refused


def policy_layer_save(*, layer: PolicyLayer | None, by, seller=None, category: str = "", **values) -> PolicyLayer:
    """Create a layer (`layer` None, for `seller` and `category`) or change one; `values` are the policy fields
    it sets, None meaning "as the more general layer says". It applies to reports from now on."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not policy fields: {', '.join(sorted(unknown))}")
    if layer is None:
        if PolicyLayer.objects.filter(seller=seller, category=category).exists():
            raise Refused("layer_exists", _("There is already a layer for this seller and category; edit that one."))
        layer = PolicyLayer(seller=seller, category=category)
    for name, value in values.items():
        setattr(layer, name, value)
    if layer.seller_id is None and layer.category == "" and any(
            getattr(layer, name) is None for name in POLICY_FIELDS if name != "photo_required_for"):
        raise Invalid("default_policy_incomplete", _("The marketplace's default policy must set every field."))
    layer.updated_by = by
    layer.save()
    return layer


def policy_layer_delete(*, layer: PolicyLayer) -> None:
    if layer.seller_id is None and layer.category == "":
        raise refused("default_policy")
    layer.delete()
