"""Global search pages (included by the project at "search/"); the home page is the
project's own "home" URL."""

from django.urls import path

from dossier.home import views

app_name = "home"
urlpatterns = [
    path("", views.search, name="search"),
    path("open/<uuid:customer_id>/", views.open_customer, name="open_customer"),
]
