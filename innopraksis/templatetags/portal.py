"""The portal's template tags. The status badges shown in every list are written here in Python, not as
included templates: a list of placements renders them on every row, and this is several times faster."""

import datetime

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import template
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from innopraksis.converters import fast_reverse
from innopraksis.dates import short_date
from students.models import AgreementState, PlacementState

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced, e.g. for the next page of a filtered list."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.simple_tag
def sort_link_value(current: str, key: str) -> str:
    """The sort a column heading links to: its own key, or the reverse when it is the current sort."""
    if current == key:
        return f"-{key}"
    if current == f"-{key}":
        return key
    return f"-{key}" if key == "flags" else key


@register.simple_tag
def aria_sort(current: str, key: str) -> str:
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"


@register.simple_tag
def select_field(field) -> str:
    """A labelled Bootstrap select for a choice field of a GET filter form, the submitted value selected.

    Written out here rather than through widget templates: a filter over hundreds of organisations
    renders on every dashboard request."""
    current = field.value()
    current = "" if current is None else str(current)
    options = mark_safe(  # noqa: S308 (every value and label escaped here)
        "".join(
            f'<option value="{escape(value)}"{" selected" if str(value) == current else ""}>{escape(label)}</option>'
            for value, label in field.field.choices
        )
    )
    return format_html(
        '<label class="form-label" for="{}">{}</label><select name="{}" id="{}" class="form-select">{}</select>',
        field.id_for_label,
        field.label,
        field.html_name,
        field.id_for_label,
        options,
    )


def _short(day: datetime.date) -> str:
    return short_date(day)


@register.simple_tag
def org_badge(returning) -> SafeString:
    """Whether an organisation has hosted before (``True``), is new (``False``), or not known (``None``)."""
    if returning:
        return format_html('<span class="badge text-bg-success">{}</span>', _("Returning"))
    if returning is not None:
        return format_html('<span class="badge text-bg-info">{}</span>', _("First time"))
    return mark_safe("")


AGREEMENT_BADGES = {"approved": "text-bg-success", "returned": "text-bg-warning"}


@register.simple_tag
def agreement_status(placement) -> SafeString:
    """The agreement's state, and that it is overdue; needs ``cohort`` and ``agreement`` loaded."""
    agreement = getattr(placement, "agreement", None)
    if agreement:
        css = AGREEMENT_BADGES.get(agreement.state, "text-bg-secondary")
        html = format_html('<span class="badge {}">{}</span>', css, AgreementState(agreement.state).label)
    elif placement.state == "planned":
        html = format_html('<span class="badge text-bg-light border">{}</span>', _("Not opened yet"))
    else:
        html = mark_safe("")
    if placement.agreement_is_overdue():
        overdue = _("Overdue – due %(date)s") % {"date": _short(placement.agreement_due_on)}
        html = format_html('{} <span class="badge text-bg-danger">{}</span>', html, overdue)
    return html


@register.simple_tag
def onboarding_progress(placement) -> SafeString:
    """Done of total onboarding items and how many are overdue (``with_onboarding_progress`` or
    ``count_onboarding_progress``)."""
    if not placement.onboarding_total:
        return format_html('<span class="text-body-secondary">{}</span>', _("Starts when the agreement is approved"))
    done = _("%(done)s of %(total)s done") % {"done": placement.onboarding_done, "total": placement.onboarding_total}
    html = format_html('<span class="onboarding-progress">{}</span>', done)
    if placement.onboarding_overdue:
        count = placement.onboarding_overdue
        overdue = ngettext("%(overdue)s overdue", "%(overdue)s overdue", count) % {"overdue": count}
        html = format_html('{} <span class="badge text-bg-danger">{}</span>', html, overdue)
    return html


@register.simple_tag
def flag_list(flags) -> SafeString:
    """What needs attention, each with its reason linking to where to act."""
    if not flags:
        return mark_safe("")
    items = format_html_join(
        "",
        '<li><span class="badge text-bg-warning">{}</span> <a href="{}">{}</a></li>',
        ((flag.label, flag.url, flag.reason) for flag in flags),
    )
    return format_html('<ul class="flag-list list-unstyled mb-0">{}</ul>', items)


@register.simple_tag
def office_hour(placement) -> SafeString:
    hour = getattr(placement, "office_hour", None)
    if not hour:
        return format_html('<span class="text-body-secondary">{}</span>', _("Agreed in the expectation agreement"))
    return format_html(
        "{}",
        _("Every %(day)s %(start)s–%(end)s, %(place)s")
        % {
            "day": hour.get_weekday_display(),
            "start": time_format(hour.starts_at, "H:i"),
            "end": time_format(hour.ends_at, "H:i"),
            "place": hour.place,
        },
    )


@register.simple_tag
def todo_link(todo, today: datetime.date | None = None) -> SafeString:
    """A to-do linking to where it is done, with its due date or how long it is overdue."""
    today = today or timezone.localdate()
    if todo.due_on < today:
        when = format_html(
            '<span class="badge text-bg-danger">{}</span>',
            _("overdue since %(date)s") % {"date": _short(todo.due_on)},
        )
    else:
        when = _("due %(date)s") % {"date": _short(todo.due_on)}
    return format_html('<a href="{}">{}</a> – {}', todo.path, todo.what, when)


@register.simple_tag
def placement_cells(placement, with_progress: bool = False, today: datetime.date | None = None) -> SafeString:
    """The cells of a placement's row in a list of placements (``students/_placement_rows.html``);
    with progress: onboarding, question time, the next step and flags, for the supervisor's home."""
    cells = [
        format_html(
            '<td><a href="{}">{}</a></td>',
            fast_reverse("placement_detail", pk=placement.pk),
            placement.student.user.get_full_name(),
        ),
        format_html("<td>{} {}</td>", placement.organisation.name, org_badge(placement.organisation_is_returning)),
        format_html("<td>{}</td>", placement.cohort.name),
        format_html("<td>{} – {}</td>", _short(placement.starts_on), _short(placement.ends_on)),
        format_html("<td>{}</td>", PlacementState(placement.state).label),
        format_html("<td>{}</td>", agreement_status(placement)),
    ]
    if with_progress:
        todo = placement.next_todo
        cells += [
            format_html(
                '<td><a href="{}">{}</a></td>',
                fast_reverse("onboarding_checklist", pk=placement.pk),
                onboarding_progress(placement),
            ),
            format_html("<td>{}</td>", office_hour(placement)),
            format_html("<td>{}</td>", todo_link(todo, today))
            if todo
            else format_html('<td><span class="text-body-secondary">{}</span></td>', _("Nothing due")),
            format_html("<td>{}</td>", flag_list(placement.flags)),
        ]
    return mark_safe("".join(cells))  # noqa: S308 (each part escaped by format_html)


def _short_or_dash(day: datetime.date | None) -> str:
    return _short(day) if day else "–"


@register.simple_tag
def dashboard_cells(placement) -> SafeString:
    """The cells of a placement's row on the coordinator's dashboard (``feedback.dashboard.prepare``)."""
    cells = [
        format_html(
            '<td><a href="{}">{}</a><span class="d-block small text-body-secondary">{}</span></td>',
            fast_reverse("placement_detail", pk=placement.pk),
            placement.student.user.get_full_name(),
            placement.supervisor_names,
        ),
        format_html("<td>{} {}</td>", placement.organisation.name, org_badge(placement.organisation_is_returning)),
        format_html("<td>{}</td>", agreement_status(placement)),
        format_html("<td>{}</td>", onboarding_progress(placement)),
        format_html("<td>{}</td>", _short_or_dash(placement.flag_workload_due)),
        format_html("<td>{}</td>", placement.flag_workload or "–"),
        format_html("<td>{}</td>", placement.flag_resource or "–"),
        format_html("<td>{}</td>", _short_or_dash(placement.flag_last_followup)),
        format_html('<td class="flags">{}</td>', flag_list(placement.flags))
        if placement.flags
        else format_html('<td class="flags"><span class="text-body-secondary">{}</span></td>', _("Nothing")),
    ]
    return mark_safe("".join(cells))  # noqa: S308 (each part escaped by format_html)


# Empty forms rendered once per process: form class, prefix and language -> HTML.
_EMPTY_FORMS: dict[tuple[str, str | None, str], SafeString] = {}


@register.filter
def crispy_kept(form) -> SafeString:
    """``|crispy`` for a form whose empty version is the same for every reader (no per-person choices,
    initial values or one-time keys): rendered once per language and process while empty, every time
    once bound. Crispy's radio buttons cost milliseconds per render; a check-in form has dozens."""
    if form.is_bound:
        return as_crispy_form(form)
    key = (f"{type(form).__module__}.{type(form).__qualname__}", form.prefix, get_language())
    html = _EMPTY_FORMS.get(key)
    if html is None:
        html = _EMPTY_FORMS[key] = as_crispy_form(form)
    return html
