"""Import and export pages (included by the project at "transfer/")."""

from django.urls import path

from dossier.transfer import views

app_name = "transfer"
urlpatterns = [
    path("export/customers/", views.export_customers, name="export_customers"),
]
