from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from .accounts import views as account_views
from .api import api
from .commerce import views as commerce_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("orders/", commerce_views.order_list, name="order_list"),
    path("orders/<str:external_id>/", commerce_views.order_detail, name="order_detail"),
    path("service/customers/", commerce_views.customer_lookup, name="customer_lookup"),
    path("operations/", commerce_views.operations, name="operations"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler500 = "advocate.core.views.server_error"
