"""Order pages (included by the project at "orders/")."""

from django.urls import path

from dossier.orders import views

app_name = "orders"
urlpatterns = [
    path("customers/<uuid:customer_id>/", views.customer_orders, name="customer"),
    path("products/", views.products, name="products"),
    path("<uuid:order_id>/", views.order_detail, name="detail"),
    path("<uuid:order_id>/status/", views.change_status, name="status"),
    path("<uuid:order_id>/refund/", views.refund, name="refund"),
]
