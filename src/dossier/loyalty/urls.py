"""The loyalty programme's pages."""

from django.urls import path

from dossier.loyalty import views

app_name = "loyalty"
urlpatterns = [
    path("", views.programme_page, name="programme"),
    path("programme/", views.programme_update, name="programme_update"),
    path("tiers/", views.tiers_update, name="tiers_update"),
    path("coupon-campaigns/", views.campaign_create, name="campaign_create"),
]
