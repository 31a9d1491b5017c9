"""Interaction pages: the quick actions of a customer's page (included at "interactions/")."""

from django.urls import path

from dossier.interactions import views

app_name = "interactions"
urlpatterns = [
    path("customers/<uuid:customer_id>/call/", views.log_call, name="log_call"),
    path("customers/<uuid:customer_id>/note/", views.add_note, name="add_note"),
]
