"""The forms of the matching round."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from innopraksis.fields import ModelMultipleIdsField
from students.forms import DateInput, weekdays_field
from students.models import Applicant, Choice, MatchingRound, MatchRun, PairingKind, RoundOrganisation
from students.rounds import SEED_LIMIT

MOTIVATION_MAX = Choice._meta.get_field("motivation").max_length


class RoundDatesForm(forms.ModelForm):
    class Meta:
        model = MatchingRound
        fields = ["opens_on", "students_until", "organisations_until"]
        widgets = {"opens_on": DateInput(), "students_until": DateInput(), "organisations_until": DateInput()}


class RoundForm(RoundDatesForm):
    """Open a round for a cohort: its dates and the organisations that take part."""

    organisations = ModelMultipleIdsField(
        label=_("Organisations taking part"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their members are e-mailed and asked how many students they can take."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = organisations
        self.fields["organisations"].label_from_instance = self._label

    @staticmethod
    def _label(organisation) -> str:
        if organisation.is_returning:
            return _("%(name)s (returning)") % {"name": organisation.name}
        return _("%(name)s (first time)") % {"name": organisation.name}


class ParticipantForm(forms.ModelForm):
    days = weekdays_field(_("Days"), _("The weekdays a student would be with you."))

    class Meta:
        model = RoundOrganisation
        fields = ["capacity", "tasks", "days", "place"]
        widgets = {"tasks": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].required = True


ACTIONS = ("save", "up", "down", "remove", "add")


def _is_id(value: str) -> bool:
    """Digits that name a row: ASCII only ("²" is a digit to Python, not to int()), and not longer than an id."""
    return value.isascii() and value.isdigit() and len(value) <= 18


class RankingForm(forms.Form):
    """A student's ranking: the organisations in order (``order``), a motivation for each, and what the button
    pressed does (``action``: save, or move up, move down, remove or add one organisation). Every button saves
    the whole form, so nothing typed is lost when a row is moved."""

    order = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.MultipleHiddenInput)
    action = forms.CharField(required=False, max_length=40)

    def __init__(self, *args, participants: list[RoundOrganisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = {participant.pk: participant for participant in participants}
        self.fields["order"].choices = [(pk, pk) for pk in self.participants]
        for participant in participants:
            self.fields[f"motivation_{participant.pk}"] = forms.CharField(
                label=_("Why %(name)s?") % {"name": participant.organisation.name},
                required=False,
                max_length=MOTIVATION_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("A few sentences on what draws you to it. The organisation reads this."),
            )
            # The browser would cut a longer text without a word; the server says what is too long instead.
            self.fields[f"motivation_{participant.pk}"].widget.attrs.pop("maxlength", None)

    def clean_action(self) -> tuple[str, int | None]:
        value = self.cleaned_data["action"] or "save"
        name, _sep, target = value.partition(":")
        # "save" names no organisation; every other action names one.
        if name not in ACTIONS or (name == "save") != (target == "") or (target and not _is_id(target)):
            raise forms.ValidationError(_("Use the buttons on the page."), code="action")
        pk = int(target) if target else None
        if pk is not None and pk not in self.participants:
            raise forms.ValidationError(_("Choose an organisation that takes part in this round."), code="action")
        return name, pk

    def clean(self):
        data = super().clean()
        if "order" not in data or "action" not in data:
            return data
        order = list(dict.fromkeys(data["order"]))
        name, pk = data["action"]
        if name == "add" and pk not in order:
            order.append(pk)
        elif name == "remove" and pk in order:
            order.remove(pk)
        elif name in ("up", "down") and pk in order:
            at = order.index(pk)
            to = at - 1 if name == "up" else at + 1
            if 0 <= to < len(order):
                order[at], order[to] = order[to], order[at]
        data["ranked"] = order
        data["moved"] = pk if name in ("up", "down", "add") else None
        return data

    def choices(self) -> list[tuple[RoundOrganisation, str]]:
        return [
            (self.participants[pk], self.cleaned_data.get(f"motivation_{pk}", "")) for pk in self.cleaned_data["ranked"]
        ]

    def rows(self, saved: list[int]) -> list[tuple[RoundOrganisation, forms.BoundField]]:
        """The ranking to show, best first, with each motivation's field: as sent when the form came back with
        errors (so nothing typed is lost), else as saved."""
        if self.is_bound:
            order = []
            for value in self.data.getlist("order"):
                if _is_id(value) and int(value) in self.participants and int(value) not in order:
                    order.append(int(value))
        else:
            order = saved
        return [(self.participants[pk], self[f"motivation_{pk}"]) for pk in order]


class ApplicantRankForm(forms.Form):
    """An organisation's ranking of the students who ranked it: a place for each (1 is the one it wants most),
    or not suitable; a student left empty comes after those ranked, by lot."""

    def __init__(self, *args, applicants: list[Applicant], **kwargs):
        super().__init__(*args, **kwargs)
        self.applicants = applicants
        count = len(applicants)
        for applicant in applicants:
            self.fields[f"rank_{applicant.pk}"] = forms.IntegerField(
                label=_("Place for %(name)s") % {"name": applicant.student},
                required=False,
                min_value=1,
                max_value=max(count, 1),
                help_text=_("1 for the student you want most. Leave empty to leave the order to the lot."),
            )
            self.fields[f"not_suitable_{applicant.pk}"] = forms.BooleanField(label=_("Not suitable"), required=False)

    def rows(self):
        return [
            (applicant, self[f"rank_{applicant.pk}"], self[f"not_suitable_{applicant.pk}"])
            for applicant in self.applicants
        ]

    def clean(self):
        data = super().clean()
        seen: dict[int, int] = {}
        for applicant in self.applicants:
            rank = data.get(f"rank_{applicant.pk}")
            if rank is None:
                continue
            if data.get(f"not_suitable_{applicant.pk}"):
                self.add_error(
                    f"rank_{applicant.pk}",
                    forms.ValidationError(
                        _("Either give %(name)s a place or mark them as not suitable, not both."),
                        code="both",
                        params={"name": applicant.student},
                    ),
                )
            elif rank in seen:
                self.add_error(
                    f"rank_{applicant.pk}",
                    forms.ValidationError(
                        _("Place %(rank)s is given twice. Give each student their own place."),
                        code="twice",
                        params={"rank": rank},
                    ),
                )
            seen[rank] = applicant.pk
        return data

    def marks(self) -> dict[int, tuple[int | None, bool]]:
        return {
            applicant.pk: (
                self.cleaned_data.get(f"rank_{applicant.pk}"),
                bool(self.cleaned_data.get(f"not_suitable_{applicant.pk}")),
            )
            for applicant in self.applicants
        }


class PairingForm(forms.Form):
    applicant = forms.ModelChoiceField(label=_("Student"), queryset=None)
    participant = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    kind = forms.ChoiceField(
        label=_("Decision"),
        choices=PairingKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Placed beforehand: an agreed placement or a special need; it uses one of the organisation's places."
        ),
    )

    def __init__(self, *args, matching_round: MatchingRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].queryset = matching_round.applicants.select_related("student__user")
        self.fields["participant"].queryset = matching_round.participants.select_related("organisation")


class RunForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        validators=[MaxValueValidator(SEED_LIMIT - 1)],
        help_text=_("Leave empty to draw a new lot. Give an earlier run's seed to draw the same lot again."),
    )


class CompareForm(forms.Form):
    first = forms.TypedChoiceField(label=_("Run"), coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    second = forms.TypedChoiceField(
        label=_("Compared with run"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, runs: list[MatchRun], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(run.number, _("Run %(number)s") % {"number": run.number}) for run in runs]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("first") is not None and data.get("first") == data.get("second"):
            raise forms.ValidationError(_("Choose two different runs."), code="same")
        return data


class PreferencesImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One row per choice: the student's e-mail address, the organisation number, the choice (1 for the "
            "first) and the motivation."
        ),
    )
