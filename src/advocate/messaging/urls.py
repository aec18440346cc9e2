from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("orders/<str:external_id>/messages/", views.buyer_thread, name="buyer_thread"),
    path("account/messages/", views.preferences, name="preferences"),
    path("messages/stop/<str:token>/", views.opt_out, name="opt_out"),
    path("messages/<int:message_id>/report/", views.flag, name="flag"),
    path("seller/messages/", views.seller_threads, name="seller_threads"),
    path("seller/messages/<int:thread_id>/", views.seller_thread, name="seller_thread"),
    path("seller/messages/orders/<str:external_id>/", views.seller_order_thread, name="seller_order_thread"),
    path("service/flagged-messages/", views.staff_flags, name="staff_flags"),
    path("service/flagged-messages/<int:flag_id>/review/", views.staff_flag_review, name="staff_flag_review"),
    path("service/messages/<int:thread_id>/", views.staff_thread, name="staff_thread"),
]
