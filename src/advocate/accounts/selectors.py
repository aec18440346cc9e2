from .models import User


def demo_logins() -> list[tuple[str, str]]:
    """(role, username) of the demo accounts, if the demo marketplace was generated here."""
    users = User.objects.filter(username__startswith="demo-").order_by("role", "username")
    return [(user.get_role_display(), user.username) for user in users]
