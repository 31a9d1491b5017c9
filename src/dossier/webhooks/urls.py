"""Webhook pages (included by the project at "webhooks/")."""

from django.urls import path

from dossier.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.subscriptions, name="list"),
    path("<int:subscription_id>/toggle/", views.toggle, name="toggle"),
    path("<int:subscription_id>/delete/", views.delete, name="delete"),
    path("<int:subscription_id>/ping/", views.ping, name="ping"),
    path("<int:subscription_id>/deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/redeliver/", views.redeliver, name="redeliver"),
]
