"""Import and export pages (included by the project at "transfer/")."""

from django.urls import path

from dossier.transfer import import_views, views

app_name = "transfer"
urlpatterns = [
    path("export/customers/", views.export_customers, name="export_customers"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<int:run_id>/", import_views.import_run, name="import_run"),
    path("imports/<int:run_id>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("imports/<int:run_id>/preview/", import_views.import_preview, name="import_preview"),
    path("imports/<int:run_id>/discard/", import_views.import_discard, name="import_discard"),
    path("imports/<int:run_id>/errors.csv", import_views.import_errors, name="import_errors"),
    path("imports/<int:run_id>/undo/", import_views.import_undo, name="import_undo"),
]
