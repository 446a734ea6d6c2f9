from django.contrib import admin

from feedback.schedule import schedule_sync
from students import onboarding
from students.models import CachedFigures, Cohort, Placement, Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    fields = ["user", "study_programme", "internship_course", "phone"]
    list_display = ["user", "study_programme", "internship_course", "phone"]
    list_select_related = ["user"]
    list_filter = ["internship_course"]
    search_fields = ["user__full_name", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    fields = [
        "name",
        "starts_on",
        "ends_on",
        "internship_courses",
        "agreement_deadline_days",
        "checkin_cadence_days",
    ]
    list_display = ["name", "starts_on", "ends_on"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # a new cohort starts with the six onboarding practices, as in the portal
            onboarding.cohort_add_default_template(cohort=obj)
        CachedFigures.objects.clear(cohorts=[obj.pk])  # a new deadline changes the dashboard's figures


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    # The state is read-only here: it moves only through the lifecycle's service functions.
    fields = ["cohort", "student", "organisation", "supervisors", "starts_on", "ends_on", "work_days", "state"]
    readonly_fields = ["state"]
    list_display = ["student", "organisation", "cohort", "state", "starts_on", "ends_on"]
    list_select_related = ["student__user", "organisation", "cohort"]
    list_filter = ["cohort", "state"]
    search_fields = ["student__user__full_name", "student__user__email", "organisation__name"]
    autocomplete_fields = ["student", "organisation", "supervisors"]

    def save_model(self, request, obj, form, change):
        left = Placement.objects.filter(pk=obj.pk).values_list("cohort_id", flat=True).first()
        super().save_model(request, obj, form, change)
        schedule_sync(placement=obj)  # new dates move the check-ins, as the portal's own form does
        CachedFigures.objects.clear(cohorts=[left, obj.cohort_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        CachedFigures.objects.clear(cohorts=[obj.cohort_id])

    def delete_queryset(self, request, queryset):
        cohorts = set(queryset.values_list("cohort_id", flat=True))
        super().delete_queryset(request, queryset)
        CachedFigures.objects.clear(cohorts=cohorts)
