from django.contrib import admin

from innopraksis.models import Invitation, LoginFailure, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    fields = [
        "full_name",
        "email",
        "language",
        "is_coordinator",
        "is_active",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["full_name", "email", "is_coordinator", "is_active", "last_login"]
    list_filter = ["is_coordinator", "is_active", "language"]
    search_fields = ["full_name", "email"]
    ordering = ["full_name", "email"]

    def save_model(self, request, obj, form, change):
        if not change:
            # People set their own password through an invitation or a reset link.
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    fields = [
        "email",
        "full_name",
        "role",
        "organisation",
        "language",
        "invited_by",
        "created_at",
        "expires_at",
        "used_at",
        "replaced_at",
    ]
    readonly_fields = ["invited_by", "created_at", "used_at", "replaced_at"]
    list_display = ["email", "role", "organisation", "created_at", "expires_at", "used_at"]
    list_filter = ["role"]
    list_select_related = ["organisation"]
    search_fields = ["email", "full_name"]

    def has_add_permission(self, request):
        # Invitations are sent from the portal, which makes the link and sends the e-mail.
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    fields = ["email", "ip_address", "created_at"]
    readonly_fields = fields
    list_display = ["email", "ip_address", "created_at"]
    search_fields = ["email", "ip_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
