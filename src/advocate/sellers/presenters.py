"""Contact details hidden as the reader will see them: the placeholders in their language."""

from django.utils import translation
from django.utils.translation import gettext as _

from .masking import Kind, Masked, mask


def mask_for(text: str, language: str | None = None) -> Masked:
    """`masking.mask` with the placeholders in `language` (or the active one)."""
    with translation.override(language or translation.get_language()):
        return mask(text, {Kind.EMAIL: _("[email hidden]"), Kind.PHONE: _("[phone hidden]"),
                           Kind.LINK: _("[link hidden]")})
