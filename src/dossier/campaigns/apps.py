from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "dossier.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from dossier.campaigns.registrations import register_campaigns

        register_campaigns()
