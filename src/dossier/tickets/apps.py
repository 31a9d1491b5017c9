from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "dossier.tickets"
    label = "tickets"
    verbose_name = "Service tickets"

    def ready(self) -> None:
        from dossier.tickets.registrations import register_ticket_tables

        register_ticket_tables()
