from django.contrib import admin

from advocate.core.admin import ReadOnlyAdmin

from . import models


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "placed_at", "seller", "fulfilled_by", "state", "total", "currency"]
    list_filter = ["state", "fulfilled_by"]
    search_fields = ["external_id"]
    raw_id_fields = ["customer", "seller"]
    show_full_result_count = False


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "email", "language"]
    search_fields = ["external_id", "email", "name"]
    raw_id_fields = ["user"]
    show_full_result_count = False


@admin.register(models.Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "is_platform"]
    search_fields = ["name", "external_id"]


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "title", "seller", "category", "stock"]
    search_fields = ["sku", "title"]
    raw_id_fields = ["seller"]


@admin.register(models.Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "is_active", "created_at"]
    readonly_fields = ["key_prefix", "key_hash"]


@admin.register(models.InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["source", "external_id", "type", "occurred_at", "received_at"]
    list_filter = ["type", "source"]
    search_fields = ["external_id"]
    show_full_result_count = False


@admin.register(models.Instruction)
class InstructionAdmin(ReadOnlyAdmin):
    """The instruction feed is append-only: read here, never changed."""

    list_display = ["sequence", "kind", "order", "key", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key", "order__external_id"]
