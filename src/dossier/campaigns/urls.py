"""Campaign pages (included by the project at "campaigns/")."""

from django.urls import path

from dossier.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:campaign_id>/", views.detail, name="detail"),
    path("<int:campaign_id>/status/", views.change_status, name="status"),
    path("<int:campaign_id>/members/", views.add_members, name="add_members"),
    path(
        "<int:campaign_id>/members/<uuid:customer_id>/",
        views.member_status,
        name="member_status",
    ),
]
