"""Privacy pages (included by the project at "privacy/")."""

from django.urls import path

from dossier.privacy import views

app_name = "privacy"
urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path(
        "requests/<int:request_id>/<str:outcome>/",
        views.request_close,
        name="request_close",
    ),
    path("customers/<uuid:customer_id>/", views.customer_privacy, name="customer"),
    path("customers/<uuid:customer_id>/export/", views.customer_export, name="export"),
    path("customers/<uuid:customer_id>/link/", views.customer_link, name="link"),
    path(
        "customers/<uuid:customer_id>/<str:action>/",
        views.customer_action,
        name="action",
    ),
    path("self-service/<str:token>/", views.self_service, name="self_service"),
]
