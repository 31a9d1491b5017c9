from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "dossier.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from dossier.customers.registrations import register_customer_tables

        register_customer_tables()

        from dossier.customers.events import register_customer_payload

        register_customer_payload()

        from dossier.customers.list_columns import register_customer_list

        register_customer_list()
