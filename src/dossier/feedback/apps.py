from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "dossier.feedback"
    label = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        from dossier.feedback.registrations import register_feedback

        register_feedback()
