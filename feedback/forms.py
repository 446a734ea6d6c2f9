from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import CheckIn, Evaluation, Experience, ExperienceReport, FollowUp, Gathering
from innopraksis.fields import ModelMultipleIdsField
from innopraksis.once import OnceMixin
from orgs.models import Organisation
from students.forms import DateInput


class RadioModelForm(forms.ModelForm):
    """The answers in ``required_fields`` are required, and their choices are radio buttons without the
    empty choice."""

    required_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            field = self.fields[name]
            field.required = True
            if hasattr(field, "choices"):
                field.choices = [choice for choice in field.choices if choice[0] != ""]
                field.widget = forms.RadioSelect(choices=field.choices)


class StudentCheckInForm(RadioModelForm):
    note = forms.CharField(
        label=_("A note only for the coordinator (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only the programme's coordinator reads this. Your organisation never sees it: not on a page, "
            "in an export, in an e-mail or in a calendar."
        ),
    )
    required_fields = ("workload", "resource", "learning", "safe_to_ask")

    class Meta:
        model = CheckIn
        fields = ["workload", "resource", "learning", "safe_to_ask", "goes_well", "to_adjust"]
        widgets = {"goes_well": forms.Textarea(attrs={"rows": 3}), "to_adjust": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "workload": _("3 is about right. Your supervisor sees your answers once they have answered too."),
            "resource": _("5: you are trusted with real work and your work is used. 1: not at all."),
            "goes_well": _("A few words on what works: tasks, people, what you learn."),
            "to_adjust": _("Anything that should change, for example the amount of work or the kind of tasks."),
        }


class SupervisorCheckInForm(RadioModelForm):
    required_fields = ("delivery", "feedback_given")

    class Meta:
        model = CheckIn
        fields = ["delivery", "feedback_given", "workload_adjustment"]
        widgets = {
            "feedback_given": forms.Textarea(attrs={"rows": 3}),
            "workload_adjustment": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "delivery": _("Compared with what you expect in the agreement. If it is below, tell the student so."),
            "feedback_given": _("What you have told the student since the last check-in, in a few words."),
            "workload_adjustment": _("What you and the student agreed to change in the workload, if anything."),
        }


class MessageForm(OnceMixin, forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FollowUpForm(OnceMixin, forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["kind", "happened_on", "note", "shared_with_student"]
        widgets = {"happened_on": DateInput(), "note": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"note": _("What you talked about or agreed, in a few words.")}


class EvaluationForm(RadioModelForm):
    required_fields = ("value", "win_win")

    class Meta:
        model = Evaluation
        fields = ["value", "win_win", "worked", "change", "host_again"]
        widgets = {"worked": forms.Textarea(attrs={"rows": 3}), "change": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "win_win": _("Whether both the student and the organisation got something of value out of it."),
            "worked": _("For example the agreement, the onboarding, the tasks or the follow-up."),
            "change": _("What the programme or the organisation should do differently next time."),
        }

    def __init__(self, *args, side: str, **kwargs):
        if side == "organisation":
            self.required_fields = (*self.required_fields, "host_again")
        super().__init__(*args, **kwargs)
        if side != "organisation":
            del self.fields["host_again"]


class GatheringForm(forms.ModelForm):
    organisations = ModelMultipleIdsField(
        label=_("Invited organisations"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their supervisors get an invitation by e-mail, and the gathering appears in their calendar."),
    )

    class Meta:
        model = Gathering
        fields = ["cohort", "kind", "held_on", "starts_at", "ends_at", "place", "agenda"]
        widgets = {
            "held_on": DateInput(),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "agenda": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, cohorts, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["organisations"].queryset = organisations
        if self.instance.pk:
            self.initial["organisations"] = list(self.instance.invitees.values_list("organisation_id", flat=True))


class AttendanceForm(forms.Form):
    attended = ModelMultipleIdsField(
        label=_("Organisations that attended"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, gathering, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = Organisation.objects.filter(gatherings=gathering).order_by("name")
        self.fields["attended"].initial = list(
            gathering.invitees.filter(attended=True).values_list("organisation_id", flat=True)
        )


class ExperienceForm(OnceMixin, forms.ModelForm):
    organisation = forms.ModelChoiceField(label=_("On behalf of"), queryset=Organisation.objects.none())

    class Meta:
        model = Experience
        fields = ["theme", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "text": _(
                "What has worked for you, or what you would do differently. The coordinator gathers them "
                "for the gathering and the write-up."
            )
        }

    field_order = ["organisation", "theme", "text"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.only = organisations.first() if organisations.count() == 1 else None
        if self.only is not None:
            # One organisation to share for: no need to ask.
            self.fields["organisation"].required = False
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_organisation(self):
        return self.cleaned_data.get("organisation") or self.only


class ReportForm(forms.ModelForm):
    class Meta:
        model = ExperienceReport
        fields = ["title", "background", "main_points", "onboarding_advice"]
        widgets = {
            "background": forms.Textarea(attrs={"rows": 5}),
            "main_points": forms.Textarea(attrs={"rows": 8}),
            "onboarding_advice": forms.Textarea(attrs={"rows": 8}),
        }
