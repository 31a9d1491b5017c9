"""Update campaign pages (included by the project at "outreach/")."""

from django.urls import path

from dossier.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:campaign_id>/", views.detail, name="detail"),
    path("<int:campaign_id>/send/", views.send, name="send"),
    path("<int:campaign_id>/close/", views.close, name="close"),
]
