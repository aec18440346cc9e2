"""Operators' view of the claims tables. Money rows are read-only here: money moves only through the ledger."""

from django.contrib import admin

from advocate.core.admin import ReadOnlyAdmin

from . import models


@admin.register(models.CurrencyRate)
class CurrencyRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "per_base", "updated_at"]
    search_fields = ["currency"]


@admin.register(models.PolicyLayer)
class PolicyLayerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "return_window_days", "returnless_under", "auto_approve_up_to", "updated_at"]
    raw_id_fields = ["seller", "updated_by"]


@admin.register(models.ProblemReport)
class ProblemReportAdmin(ReadOnlyAdmin):
    list_display = ["reference", "created_at", "problem", "state", "outcome", "amount", "currency", "liable"]
    list_filter = ["state", "problem", "outcome", "went_to_person"]
    search_fields = ["reference", "order__external_id", "customer__email"]


@admin.register(models.Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["reference", "created_at", "order", "amount", "currency", "paid_by", "method"]
    list_filter = ["paid_by"]
    search_fields = ["reference", "key", "order__external_id"]


class LedgerEntryInline(admin.TabularInline):
    model = models.LedgerEntry
    can_delete = False
    extra = 0
    fields = readonly_fields = ["account", "seller", "amount", "currency"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "order", "memo", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key", "order__external_id", "memo"]
    inlines = [LedgerEntryInline]


@admin.register(models.GuaranteeClaim)
class GuaranteeClaimAdmin(ReadOnlyAdmin):
    list_display = ["report", "seller", "state", "respond_by", "finding", "refunded_at_once"]
    list_filter = ["state", "finding"]
    search_fields = ["report__reference"]
