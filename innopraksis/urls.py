from allauth.account import views as allauth_account_views
from allauth.socialaccount import views as allauth_social_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from innopraksis import views
from innopraksis.access import public
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
    path("sign-out/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("feide/no-access/", views.feide_refused, {"reason": "not_linked"}, name="feide_no_access"),
    path("feide/not-accepted/", views.feide_refused, {"reason": "realm"}, name="feide_realm_refused"),
    path("feide/linked-to-another/", views.feide_refused, {"reason": "taken"}, name="feide_taken"),
    path("profile/feide/link/", views.feide_link, name="feide_link"),
    path("profile/feide/unlink/", views.feide_unlink, name="feide_unlink"),
    path("invitation/<str:token>/feide/", views.invitation_accept_feide, name="invitation_accept_feide"),
    # django-allauth: Feide (OpenID Connect) at accounts/oidc/feide/, the second factor at accounts/2fa/, and
    # confirming one's password again before changing the second factor. Only these of allauth's pages are used.
    path(
        "accounts/",
        include(
            [
                path("", include("allauth.socialaccount.providers.openid_connect.urls")),
                path("2fa/", include("allauth.mfa.urls")),
                path("reauthenticate/", allauth_account_views.reauthenticate, name="account_reauthenticate"),
                path("feide/cancelled/", allauth_social_views.login_cancelled, name="socialaccount_login_cancelled"),
            ]
        ),
    ),
    # The names allauth's flows send people to, for the portal's own pages.
    path("sign-in/", views.SignInView.as_view(), name="account_login"),
    path("sign-out/", public(auth_views.LogoutView.as_view()), name="account_logout"),
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
    path("mail/undelivered/", views.mail_undelivered, name="mail_undelivered"),
    path("mail/<int:pk>/send-again/", views.mail_send_again, name="mail_send_again"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include("orgs.urls")),
    path("", include("students.urls")),
    path("", include("feedback.urls")),
    path("admin/", admin.site.urls),
]
