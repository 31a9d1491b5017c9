"""The 360 view's partial pages, reloaded by htmx (included by the project at "")."""

from django.urls import path

from dossier.overview import views

app_name = "overview"
urlpatterns = [
    path("customers/<uuid:customer_id>/timeline/", views.timeline, name="timeline"),
    path("customers/<uuid:customer_id>/figures/", views.header, name="header"),
]
