"""Ticket pages (included by the project at "tickets/")."""

from django.urls import path

from dossier.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/transition/", views.transition, name="transition"),
    path("<int:ticket_id>/assign/", views.assign, name="assign"),
    path("new/<uuid:customer_id>/", views.create, name="create"),
]
