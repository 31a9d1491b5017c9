"""Consent pages (included by the project at "consent/")."""

from django.urls import path

from dossier.consent import views

app_name = "consent"
urlpatterns = [
    path("customers/<uuid:customer_id>/", views.customer_consent, name="customer"),
    path("confirm/", views.confirm, name="confirm"),
]
