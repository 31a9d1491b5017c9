"""Bulk action pages (included by the project at "bulk/")."""

from django.urls import path

from dossier.bulk import views

app_name = "bulk"

urlpatterns = [
    path("", views.start, name="start"),
    path("<int:bulk_id>/", views.detail, name="detail"),
    path("<int:bulk_id>/undo/", views.undo, name="undo"),
    path("<int:bulk_id>/download/", views.download, name="download"),
    path("customers/<uuid:customer_id>/owner/", views.change_owner, name="owner"),
    path("customers/<uuid:customer_id>/share/", views.share, name="share"),
]
