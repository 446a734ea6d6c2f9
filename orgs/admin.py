from django.contrib import admin
from django.db import models

from orgs.models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    fields = ["name", "org_number", "address", "website", "sector"]
    list_display = ["name", "org_number", "sector"]
    list_filter = ["sector"]
    search_fields = ["name", "org_number"]
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    fields = ["user", "organisation", "role"]
    list_display = ["user", "organisation", "role"]
    list_select_related = ["user", "organisation"]
    list_filter = ["role"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
