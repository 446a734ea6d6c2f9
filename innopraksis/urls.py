from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from innopraksis import views
from innopraksis.forms import ChangePasswordForm, LanguageAwarePasswordResetForm, NewPasswordForm
from innopraksis.overview import views as overview

handler500 = "innopraksis.middleware.server_error"

urlpatterns = [
    path("", overview.home, name="home"),
    path("coordinator/", overview.home_coordinator, name="home_coordinator"),
    path("supervisor/", overview.home_supervisor, name="home_supervisor"),
    path("student/", overview.home_student, name="home_student"),
    path("role/", views.switch_role, name="switch_role"),
    path("language/", views.set_language, name="set_language"),
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/renew/", overview.calendar_renew, name="calendar_renew"),
    path("profile/data.json", overview.personal_data_export, name="personal_data_export"),
    path("people/<int:pk>/data.json", overview.person_data_export, name="person_data_export"),
    path("privacy/", views.privacy, name="privacy"),
    path("ping/", views.ping, name="ping"),
    path("calendar/<str:token>.ics", overview.calendar_feed, name="calendar_feed"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/", auth_views.PasswordChangeView.as_view(form_class=ChangePasswordForm), name="password_change"
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=LanguageAwarePasswordResetForm),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include("orgs.urls")),
    path("", include("students.urls")),
    path("", include("feedback.urls")),
    path("admin/", admin.site.urls),
]
