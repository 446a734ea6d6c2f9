from django import forms
from django.utils.translation import gettext_lazy as _

from innopraksis.lists import ListFilterForm
from orgs.models import MembershipRole, Organisation, Sector
from orgs.validators import normalize_org_number


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    # Room for "NO 974 760 673 MVA", as on an invoice; stored as nine digits.
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=30,
        help_text=_("Nine digits, as in the Brønnøysund Register Centre."),
    )

    class Meta:
        model = Organisation
        fields = ["name", "org_number", "address", "website", "sector"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_org_number(self) -> str:
        return normalize_org_number(self.cleaned_data["org_number"])


class MembershipAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.SUPERVISOR)
    invite = forms.BooleanField(
        label=_("Send an invitation by e-mail now"),
        required=False,
        initial=True,
        help_text=_("A person who already has an account is not invited again."),
    )


class OrganisationFilterForm(ListFilterForm):
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False)

    search_fields = ("name", "org_number")
    filter_lookups = {"sector": "sector"}
