from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from advocate.accounts import views as account_views
from advocate.accounts.forms import AdminSignInForm
from advocate.cases import views as case_views
from advocate.claims import views as claim_views
from advocate.commerce import views as commerce_views
from advocate.demo.views import LoginView
from advocate.insights import views as insight_views
from advocate.proactive import views as proactive_views
from advocate.sellers import views as seller_views
from advocate.triage import views as triage_views
from advocate.trust import views as trust_views

from . import views as platform_views
from .api import api

# The admin's sign-in counts against the same limits and says so the same way as the site's.
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/link/", commerce_views.signin_link_request, name="signin_link"),
    path("accounts/link/open/", commerce_views.signin_link_open, name="signin_link_open"),
    path("order-lookup/", commerce_views.order_lookup, name="order_lookup"),
    path("accounts/password-reset/", platform_views.PasswordResetView.as_view(
        template_name="platform/password_reset_form.html"), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="platform/password_reset_done.html"), name="password_reset_done"),
    path("accounts/password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="platform/password_reset_confirm.html"),
         name="password_reset_confirm"),
    path("accounts/password-reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="platform/password_reset_complete.html"),
         name="password_reset_complete"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("orders/", commerce_views.order_list, name="order_list"),
    path("orders/<str:external_id>/", commerce_views.order_detail, name="order_detail"),
    path("orders/<str:external_id>/problem/<str:problem>/", claim_views.report_new, name="report_new"),
    path("problems/<str:reference>/", claim_views.problem_detail, name="problem_detail"),
    path("problems/<str:reference>/photos/<int:photo_id>/", claim_views.problem_photo, name="problem_photo"),
    path("orders/<str:external_id>/rate/", seller_views.rate, name="rate_seller"),
    path("seller/health/", seller_views.seller_health, name="seller_health"),
    path("seller/health/<str:metric>/", seller_views.seller_health_orders, name="seller_health_orders"),
    path("account/requests/", case_views.my_requests, name="my_requests"),
    path("account/requests/conversations/<int:conversation_id>/", case_views.my_conversation,
         name="my_conversation"),
    path("account/requests/conversations/<int:conversation_id>/attachments/<int:attachment_id>/",
         case_views.my_attachment, name="my_attachment"),
    path("account/requests/callbacks/<int:callback_id>/move/", case_views.my_callback_move, name="my_callback_move"),
    path("account/requests/callbacks/<int:callback_id>/cancel/", case_views.my_callback_cancel,
         name="my_callback_cancel"),
    path("account/decisions/", trust_views.account_actions, name="account_actions"),
    path("account/decisions/<str:reference>/appeal/", trust_views.appeal, name="appeal"),
    path("operations/sellers/", seller_views.marketplace_health, name="marketplace_health"),
    path("operations/insights/", insight_views.insights, name="insights"),
    path("operations/insights/contacts/", insight_views.contacts, name="insights_contacts"),
    path("operations/insights/defects/", insight_views.defects, name="insights_defects"),
    path("operations/audit/", insight_views.audit_trail, name="audit_trail"),
    path("operations/insights/wow/", insight_views.wow_wall, name="insights_wow"),
    path("operations/insights/sellers/<str:external_id>/", insight_views.seller, name="insights_seller"),
    path("service/triage/<int:reading_id>/correct/", triage_views.correct, name="triage_correct"),
    path("service/conversations/<int:conversation_id>/wow/", insight_views.wow_record, name="insights_wow_record"),
    path("operations/insights/defects/<int:defect_id>/", insight_views.defect, name="insights_defect"),
    path("operations/insights/spikes/<int:spike_id>/defect/", insight_views.spike_defect, name="insights_spike_defect"),
    path("operations/actions/", trust_views.operations, name="trust_operations"),
    path("operations/appeals/<int:appeal_id>/", trust_views.appeal_decide, name="appeal_decide"),
    path("operations/actions/<str:reference>/lift/", trust_views.action_lift, name="action_lift"),
    path("service/listings/pull/", trust_views.pull_listing, name="pull_listing"),
    path("seller/claims/", claim_views.seller_claims, name="seller_claims"),
    path("seller/claims/<str:reference>/", claim_views.seller_claim_detail, name="seller_claim_detail"),
    path("service/reviews/", claim_views.review_queue, name="review_queue"),
    path("service/reviews/reports/<str:reference>/", claim_views.review_report, name="review_report"),
    path("service/reviews/claims/<str:reference>/", claim_views.review_claim, name="review_claim"),
    path("service/reviews/appeals/<int:appeal_id>/", claim_views.review_appeal, name="review_appeal"),
    path("service/reviews/flags/<int:flag_id>/", claim_views.review_flag, name="review_flag"),
    path("operations/policies/", claim_views.policies, name="policies"),
    path("operations/policies/<int:layer_id>/", claim_views.policies, name="policy_edit"),
    path("operations/automation/", triage_views.automation, name="automation"),
    path("operations/remedies/", proactive_views.remedies, name="remedies"),
    path("orders/<str:external_id>/remedy/", proactive_views.remedy_choose, name="remedy_choose"),
    path("operations/incidents/", proactive_views.incidents, name="incidents"),
    path("operations/incidents/<int:incident_id>/", proactive_views.incident, name="incident"),
    path("contact/", case_views.contact, name="contact"),
    path("callback/", case_views.callback_request, name="callback_request"),
    path("service/callbacks/", case_views.callbacks, name="callbacks"),
    path("service/conversations/<int:conversation_id>/callback/", case_views.callback_log, name="callback_log"),
    path("service/conversations/", case_views.queue, name="queue"),
    path("service/search/", case_views.search, name="conversation_search"),
    path("service/conversations/live/", case_views.queue_live, name="queue_live"),
    path("service/conversations/<int:conversation_id>/live/", case_views.conversation_live,
         name="conversation_live"),
    path("service/conversations/<int:conversation_id>/take/", case_views.take, name="conversation_take"),
    path("service/conversations/<int:conversation_id>/assign/", case_views.assign, name="conversation_assign"),
    path("service/conversations/<int:conversation_id>/", case_views.conversation, name="conversation"),
    path("service/conversations/<int:conversation_id>/reply/", case_views.reply, name="conversation_reply"),
    path("service/conversations/<int:conversation_id>/refund/", case_views.refund, name="conversation_refund"),
    path("service/conversations/<int:conversation_id>/credit/", case_views.credit, name="conversation_credit"),
    path("service/conversations/<int:conversation_id>/fix/<str:how>/", case_views.fix, name="conversation_fix"),
    path("service/conversations/<int:conversation_id>/escalate/", case_views.escalate, name="conversation_escalate"),
    path("service/conversations/<int:conversation_id>/resolve/", case_views.resolve, name="conversation_resolve"),
    path("service/conversations/<int:conversation_id>/note/", case_views.note, name="conversation_note"),
    path("service/conversations/<int:conversation_id>/customer-note/", case_views.customer_note,
         name="customer_note_add"),
    path("service/conversations/<int:conversation_id>/customer-note/<int:note_id>/delete/",
         case_views.customer_note_delete, name="customer_note_delete"),
    path("service/conversations/<int:conversation_id>/attachments/<int:attachment_id>/", case_views.attachment,
         name="conversation_attachment"),
    path("service/answers/", case_views.answers, name="answers"),
    path("service/answers/new/", case_views.answer_edit, name="answer_new"),
    path("service/answers/<int:answer_id>/", case_views.answer_edit, name="answer_edit"),
    path("feedback/<str:token>/", case_views.survey, name="survey"),
    path("operations/service/", case_views.measures, name="measures"),
    path("operations/rota/", case_views.rota, name="rota"),
    path("operations/rota/<int:shift_id>/cancel/", case_views.rota_cancel, name="rota_cancel"),
    path("service/customers/", commerce_views.customer_lookup, name="customer_lookup"),
    path("operations/", commerce_views.operations, name="operations"),
    path("operations/integrations/<int:integration_id>/rotate/", commerce_views.integration_rotate,
         name="integration_rotate"),
    path("operations/integrations/<int:integration_id>/revoke/", commerce_views.integration_revoke,
         name="integration_revoke"),
    path("", include("advocate.messaging.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler500 = "advocate.platform.views.server_error"
