from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "dossier.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from dossier.orders.registrations import register_orders

        register_orders()
