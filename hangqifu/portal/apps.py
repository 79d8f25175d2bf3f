from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The portal's shell, on top of the platform core: the landing, home and guide pages, the error pages, the
    menu, the header (context processor) and the test clock's panel and API. No models."""

    name = "hangqifu.portal"
    label = "portal"
    verbose_name = "门户"
