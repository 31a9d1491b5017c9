from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "dossier.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from dossier.outbox.services import listen
        from dossier.webhooks.services.fanout import announce

        # after each commit that wrote events: one delivery per matching subscription
        listen(announce)
