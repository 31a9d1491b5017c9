"""Verification pages (included by the project at "verification/")."""

from django.urls import path

from dossier.verification import views

app_name = "verification"
urlpatterns = [
    path("customers/<uuid:customer_id>/<slug:field>/start/", views.start, name="start"),
    path("customers/<uuid:customer_id>/<slug:field>/confirm/", views.confirm, name="confirm"),
    path("customers/<uuid:customer_id>/<slug:field>/record/", views.record, name="record"),
    path("unverified-active/", views.unverified_active, name="unverified"),
]
