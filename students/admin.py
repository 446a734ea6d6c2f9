from django.contrib import admin

from students.models import Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    fields = ["user", "study_programme", "internship_course", "phone"]
    list_display = ["user", "study_programme", "internship_course", "phone"]
    list_select_related = ["user"]
    list_filter = ["internship_course"]
    search_fields = ["user__full_name", "user__email"]
    autocomplete_fields = ["user"]
