from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The composition root: the site's pages and API put together from every domain, and `advocate up`."""

    name = "advocate.platform"
    label = "platform"
    verbose_name = "Advocate"
