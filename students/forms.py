from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from innopraksis.fields import ModelMultipleIdsField
from innopraksis.lists import ListFilterForm
from innopraksis.models import User
from innopraksis.once import OnceMixin
from orgs.models import Organisation
from students import agreement_steps
from students.models import (
    Cohort,
    ExpectationAgreement,
    ImportKind,
    OfficeHour,
    OnboardingItem,
    OnboardingTemplateItem,
    Placement,
    PlacementState,
    Side,
    Student,
    Weekday,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = [
            "name",
            "starts_on",
            "ends_on",
            "internship_courses",
            "agreement_deadline_days",
            "checkin_cadence_days",
            "chaser_days",
            "last_chaser_days",
        ]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def clean(self):
        """The reminders' order, said at the field to change, before the database's rule says it for the form."""
        cleaned = super().clean()
        second, last = cleaned.get("chaser_days"), cleaned.get("last_chaser_days")
        if second is not None and last is not None and last <= second:
            self.add_error(
                "last_chaser_days",
                _("Make it more than the second reminder's %(days)s days, so that it comes after it.")
                % {"days": second},
            )
        return cleaned


class StudentForm(forms.ModelForm):
    """A student's profile together with the person's name and e-mail address."""

    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)

    class Meta:
        model = Student
        fields = ["study_programme", "internship_course", "phone"]

    field_order = ["full_name", "email", "study_programme", "internship_course", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["full_name"].initial = self.instance.user.full_name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.user_id)
        if others.filter(student__isnull=False).exists():
            raise forms.ValidationError(_("A student with this e-mail address is already registered."))
        if self.instance.pk and others.exists():
            raise forms.ValidationError(_("Another person already uses this e-mail address."))
        return email


class StudentCreateForm(StudentForm):
    invite = forms.BooleanField(
        label=_("Send an invitation by e-mail now"),
        required=False,
        initial=True,
        help_text=_("The student chooses a password from the link and can then fill in their expectations."),
    )


def weekdays_field(label, help_text="") -> forms.TypedMultipleChoiceField:
    """Weekdays as check boxes, Monday to Friday, kept as a list of numbers."""
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class PlacementForm(forms.ModelForm):
    work_days = weekdays_field(
        _("Work days"), _("The weekdays the student is at the organisation, for example Tuesday and Thursday.")
    )

    class Meta:
        model = Placement
        fields = ["cohort", "student", "organisation", "supervisors", "starts_on", "ends_on", "work_days"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "supervisors": forms.CheckboxSelectMultiple}
        field_classes = {"supervisors": ModelMultipleIdsField}
        help_texts = {
            "starts_on": _("Leave empty to use the cohort's start date."),
            "ends_on": _("Leave empty to use the cohort's end date."),
            "supervisors": _("Members of the chosen organisation only."),
        }

    def __init__(self, *args, students, organisations, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["organisation"].queryset = organisations
        self.fields["cohort"].queryset = cohorts
        self.fields["supervisors"].queryset = (
            User.objects.filter(memberships__organisation__in=organisations)
            .distinct()
            .order_by("full_name")
            .prefetch_related("memberships__organisation")
        )
        self.fields["supervisors"].label_from_instance = self._supervisor_label
        self.fields["starts_on"].required = False
        self.fields["ends_on"].required = False

    def _get_validation_exclusions(self):
        # The one-live-placement-per-cohort constraint depends on the state, which
        # is not a form field; without this Django would skip that constraint here.
        exclude = super()._get_validation_exclusions()
        exclude.discard("state")
        return exclude

    @staticmethod
    def _supervisor_label(user: User) -> str:
        organisations = ", ".join(m.organisation.name for m in user.memberships.all())
        return f"{user.get_full_name()} ({organisations})"

    def clean(self):
        cleaned = super().clean()
        cohort = cleaned.get("cohort")
        if cohort is not None:
            cleaned["starts_on"] = cleaned.get("starts_on") or cohort.starts_on
            cleaned["ends_on"] = cleaned.get("ends_on") or cohort.ends_on
        organisation = cleaned.get("organisation")
        supervisors = cleaned.get("supervisors")
        if organisation is not None and supervisors:
            outsiders = [
                user
                for user in supervisors
                if organisation.pk not in {m.organisation_id for m in user.memberships.all()}
            ]
            if outsiders:
                self.add_error(
                    "supervisors",
                    _("%(names)s is not a member of %(organisation)s. Add them to the organisation first.")
                    % {"names": ", ".join(u.get_full_name() for u in outsiders), "organisation": organisation},
                )
        return cleaned


class CohortFilterForm(ListFilterForm):
    search_fields = ("name",)


class StudentFilterForm(ListFilterForm):
    internship_course = forms.CharField(label=_("Internship course"), required=False)
    cohort = forms.ModelChoiceField(
        label=_("Cohort"), queryset=Cohort.objects.none(), required=False, empty_label=_("All cohorts")
    )

    search_fields = ("user__full_name", "user__email", "study_programme")
    filter_lookups = {"internship_course": "internship_course__iexact", "cohort": "placements__cohort"}

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts


class PlacementFilterForm(ListFilterForm):
    cohort = forms.ModelChoiceField(
        label=_("Cohort"), queryset=Cohort.objects.none(), required=False, empty_label=_("All cohorts")
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states")), *PlacementState.choices], required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All organisations"),
    )

    search_fields = ("student__user__full_name", "student__user__email", "organisation__name")
    filter_lookups = {"cohort": "cohort", "state": "state", "organisation": "organisation"}

    def __init__(self, *args, cohorts, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["organisation"].queryset = organisations


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with or without BOM, separated by semicolons or commas — as Excel saves “CSV UTF-8”."),
    )
    invite = forms.BooleanField(
        label=_("Invite every new person in the file by e-mail"),
        required=False,
        help_text=_("For students and supervisors. People who already have an account are not invited again."),
    )


class AgreementStepForm(forms.Form):
    """One step of a party's part: the step's answers and the fingerprint they were shown with.

    Every answer may be left empty while drafting; ``require_answers`` asks for
    the step's required ones before the person moves on.
    """

    base = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, step: agreement_steps.Step, agreement: ExpectationAgreement, **kwargs):
        current = agreement_steps.values_of(agreement, step.fields)
        kwargs.setdefault("initial", {**current, "base": agreement_steps.fingerprint(current)})
        super().__init__(*args, **kwargs)
        self.step = step
        model_fields = forms.fields_for_model(
            ExpectationAgreement,
            fields=list(step.fields),
            widgets={"question_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")},
            help_texts=step.help_texts,
        )
        base = self.fields.pop("base")
        for name, field in model_fields.items():
            if name == "student_weekdays":
                field = weekdays_field(field.label, field.help_text)
            # A plain form does not run the model's validators (ranges, phone format); add them once.
            model_field = ExpectationAgreement._meta.get_field(name)
            if not isinstance(field, forms.ChoiceField):  # a choice field checks its value against the choices
                field.validators.extend(v for v in model_field.validators if v not in field.validators)
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 4
            if name in step.optional:
                field.label = _("%(label)s (optional)") % {"label": field.label}
            self.fields[name] = field
        self.fields["base"] = base

    def answers(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.step.fields}

    def require_answers(self) -> bool:
        """Mark each empty required answer; True when none is missing."""
        for name in self.step.required:
            if not agreement_steps.is_filled(self.cleaned_data.get(name)):
                self.add_error(name, _("Answer this before you go on."))
        return not self.errors


class AgreementSignForm(forms.Form):
    """Carries the fingerprint of the agreement as the signer read it."""

    read = forms.CharField(widget=forms.HiddenInput)


class AgreementChangeRequestForm(forms.Form):
    """A party's request for a change instead of signing."""

    comment = forms.CharField(
        label=_("What should be changed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The other party gets this by e-mail and sees it above their part; the coordinators see it too."),
    )


class AgreementReturnForm(forms.Form):
    side = forms.ChoiceField(label=_("Send back to"), choices=Side.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("What should be changed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The party gets this comment by e-mail and sees it above their part."),
    )


class TemplateItemForm(forms.ModelForm):
    """One row of a cohort's onboarding template. A default practice shows its own words as text to edit;
    left as they are, they keep following each reader's language."""

    class Meta:
        model = OnboardingTemplateItem
        fields = ["position", "title", "explanation", "owner", "due_days"]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 3}), "position": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.practice:
            self.initial["title"] = self.instance.display_title
            self.initial["explanation"] = self.instance.display_explanation
            self.fields["title"].help_text = _(
                "Unchanged, the practice's words follow each reader's language; changed, they show as you write them."
            )

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        return "" if title == self.instance.default_title else title

    def clean_explanation(self) -> str:
        explanation = self.cleaned_data["explanation"].replace("\r\n", "\n").strip()
        return "" if explanation == self.instance.default_explanation.strip() else explanation


# A checklist of more than a hundred items is no onboarding; the cap also keeps a forged form count from
# making the server build thousands of forms.
TemplateItemFormSet = forms.modelformset_factory(
    OnboardingTemplateItem,
    form=TemplateItemForm,
    fields=TemplateItemForm.Meta.fields,
    extra=1,
    can_delete=True,
    max_num=100,
    validate_max=True,
    absolute_max=101,
)


class OnboardingTickForm(forms.Form):
    """One item of a checklist as its owner works it. ``seen`` is the item as it was shown, so that saving
    the checklist changes only the items this person changed, not one somebody else ticked meanwhile."""

    done = forms.BooleanField(label=_("Done"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What was done, or what is still missing. The student, the organisation and the coordinators read it."
        ),
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def state(done: bool, note: str) -> str:
        return f"{int(done)}:{note.strip()}"

    @property
    def changed_state(self) -> tuple[bool, str] | None:
        """(done, note) when this person changed the item, else None; call after ``is_valid``. An item the
        request does not carry (no ``seen``) is left as it is."""
        data = self.cleaned_data
        if self.add_prefix("seen") not in self.data or self.state(data["done"], data["note"]) == data["seen"]:
            return None
        return data["done"], data["note"]


class OnboardingItemForm(OnceMixin, forms.ModelForm):
    """A supervisor's own item on a placement's checklist."""

    class Meta:
        model = OnboardingItem
        fields = ["title", "explanation", "owner", "due_on"]
        widgets = {"due_on": DateInput(), "explanation": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True


class OfficeHourForm(forms.ModelForm):
    class Meta:
        model = OfficeHour
        fields = ["weekday", "starts_at", "minutes", "place"]
        widgets = {"starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {
            "minutes": _("From 15 to 240 minutes."),
            "place": _("A meeting room, or a link to a video meeting."),
        }
