"""Who may open a page: the role checks every domain's views use (others are sent to sign in)."""

from django.contrib.auth.decorators import user_passes_test


def is_staff(user) -> bool:
    """A service associate or an operator."""
    return user.is_authenticated and (user.is_associate or user.is_operator)


staff_required = user_passes_test(is_staff)
operator_required = user_passes_test(lambda user: user.is_authenticated and user.is_operator)
seller_required = user_passes_test(lambda user: user.is_authenticated and user.is_seller)
