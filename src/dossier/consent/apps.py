from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "dossier.consent"
    label = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        from dossier.consent.models import ConsentConfirmation, ConsentEvent
        from dossier.consent.subject_copy import consent_copy
        from dossier.customers.registry import CustomerData, register

        # consent events are evidence: kept through erasure, and stay with a merged record
        register(
            CustomerData(key="consent", model=ConsentEvent, export=consent_copy, erasure="keep")
        )
        register(CustomerData(key="consent_confirmations", model=ConsentConfirmation))
