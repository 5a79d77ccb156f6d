from django.contrib import admin

from .models import ChainLink, IndustryChain, PromotionMethod, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    fk_name = "chain"
    extra = 0


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]
    search_fields = ["name", "code"]
    inlines = [ChainLinkInline]


@admin.register(ChainLink)
class ChainLinkAdmin(admin.ModelAdmin):
    list_display = ["name", "chain", "position", "parent", "sort_order"]
    list_filter = ["chain", "position"]
    search_fields = ["name", "chain__name"]


@admin.register(PromotionMethod)
class PromotionMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
