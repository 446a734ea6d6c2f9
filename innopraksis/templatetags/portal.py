"""The portal's template tags. The status badges shown in every list are written here in Python, not as
included templates: a list of placements renders them on every row, and this is several times faster."""

import datetime
import html

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import template
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import conditional_escape, escape, format_html
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


def _span(css: str, text) -> str:
    return f'<span class="{css}">{_e(text)}</span>'


def _short(day: datetime.date) -> SafeString:
    return conditional_escape(short_date(day))


# The badges and rows below are written with f-strings, every value passed through _e (escaped unless
# already safe) and the result marked safe once: format_html per cell cost more than the rest of a row.
def _e(value) -> str:
    """``conditional_escape`` without its check for lazy arguments, which cost more than escaping."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def org_badge(returning) -> SafeString:
    """Whether an organisation has hosted before (``True``), is new (``False``), or not known (``None``)."""
    if returning:
        label = _("Returning")
        return mark_safe(f'<span class="badge text-bg-success">{_e(label)}</span>')  # noqa: S308
    if returning is not None:
        label = _("First time")
        return mark_safe(f'<span class="badge text-bg-info">{_e(label)}</span>')  # noqa: S308
    return mark_safe("")


AGREEMENT_BADGES = {"approved": "text-bg-success", "returned": "text-bg-warning"}


@register.simple_tag
def agreement_status(placement, today: datetime.date | None = None) -> SafeString:
    """The agreement's state, and that it is overdue; needs ``cohort`` and ``agreement`` loaded."""
    agreement = getattr(placement, "agreement", None)
    if agreement:
        css = AGREEMENT_BADGES.get(agreement.state, "text-bg-secondary")
        html = f'<span class="badge {css}">{_e(AgreementState(agreement.state).label)}</span>'
    elif placement.state == "planned":
        label = _("Not opened yet")
        html = f'<span class="badge text-bg-light border">{_e(label)}</span>'
    else:
        html = ""
    if placement.agreement_is_overdue(today or None):
        overdue = _("Overdue – due %(date)s") % {"date": _short(placement.agreement_due_on)}
        html += f' <span class="badge text-bg-danger">{_e(overdue)}</span>'
    return mark_safe(html)  # noqa: S308


@register.simple_tag
def onboarding_progress(placement) -> SafeString:
    """Done of total onboarding items and how many are overdue (``with_onboarding_progress``, or set
    from the kept status)."""
    if not placement.onboarding_total:
        return mark_safe(  # noqa: S308
            _span("text-body-secondary", _("Starts when the agreement is approved"))
        )
    done = _("%(done)s of %(total)s done") % {"done": placement.onboarding_done, "total": placement.onboarding_total}
    html = f'<span class="onboarding-progress">{_e(done)}</span>'
    if placement.onboarding_overdue:
        count = placement.onboarding_overdue
        overdue = ngettext("%(overdue)s overdue", "%(overdue)s overdue", count) % {"overdue": count}
        html += f' <span class="badge text-bg-danger">{_e(overdue)}</span>'
    return mark_safe(html)  # noqa: S308


@register.simple_tag
def flag_list(flags) -> SafeString:
    """What needs attention, each with its reason linking to where to act."""
    if not flags:
        return mark_safe("")
    items = "".join(
        f'<li><span class="badge text-bg-warning">{_e(flag.label)}</span> '
        f'<a href="{_e(flag.url)}">{_e(flag.reason)}</a></li>'
        for flag in flags
    )
    return mark_safe(f'<ul class="flag-list list-unstyled mb-0">{items}</ul>')  # noqa: S308


@register.simple_tag
def office_hour(placement) -> SafeString:
    hour = getattr(placement, "office_hour", None)
    if not hour:
        return mark_safe(  # noqa: S308
            _span("text-body-secondary", _("Agreed in the expectation agreement"))
        )
    return _e(
        _("Every %(day)s %(start)s–%(end)s, %(place)s")
        % {
            "day": hour.get_weekday_display(),
            "start": time_format(hour.starts_at, "H:i"),
            "end": time_format(hour.ends_at, "H:i"),
            "place": hour.place,
        }
    )


@register.simple_tag
def todo_link(todo, today: datetime.date | None = None) -> SafeString:
    """A to-do linking to where it is done, with its due date or how long it is overdue."""
    today = today or timezone.localdate()
    if todo.due_on < today:
        overdue = _("overdue since %(date)s") % {"date": _short(todo.due_on)}
        when = f'<span class="badge text-bg-danger">{_e(overdue)}</span>'
    else:
        when = _e(_("due %(date)s") % {"date": _short(todo.due_on)})
    return mark_safe(f'<a href="{_e(todo.path)}">{_e(todo.what)}</a> – {when}')  # noqa: S308


@register.simple_tag
def placement_cells(placement, with_progress: bool = False, today: datetime.date | None = None) -> SafeString:
    """The cells of a placement's row in a list of placements (``students/_placement_rows.html``);
    with progress: onboarding, question time, the next step and flags, for the supervisor's home."""
    today = today or timezone.localdate()
    html = (
        f'<td><a href="{_e(fast_reverse("placement_detail", pk=placement.pk))}">'
        f"{_e(placement.student.user.get_full_name())}</a></td>"
        f"<td>{_e(placement.organisation.name)} {org_badge(placement.organisation_is_returning)}</td>"
        f"<td>{_e(placement.cohort.name)}</td>"
        f"<td>{_short(placement.starts_on)} – {_short(placement.ends_on)}</td>"
        f"<td>{_e(PlacementState(placement.state).label)}</td>"
        f"<td>{agreement_status(placement, today)}</td>"
    )
    if with_progress:
        todo = placement.next_todo
        next_step = todo_link(todo, today) if todo else _span("text-body-secondary", _("Nothing due"))
        html += (
            f'<td><a href="{_e(fast_reverse("onboarding_checklist", pk=placement.pk))}">'
            f"{onboarding_progress(placement)}</a></td>"
            f"<td>{office_hour(placement)}</td><td>{next_step}</td><td>{flag_list(placement.flags)}</td>"
        )
    return mark_safe(html)  # noqa: S308


def _short_or_dash(day: datetime.date | None) -> str:
    return _short(day) if day else "–"


@register.simple_tag
def dashboard_cells(placement, today: datetime.date | None = None) -> SafeString:
    """The cells of a placement's row on the coordinator's dashboard (``feedback.dashboard.prepare``)."""
    flags = flag_list(placement.flags) if placement.flags else _span("text-body-secondary", _("Nothing"))
    return mark_safe(  # noqa: S308
        f'<td><a href="{_e(fast_reverse("placement_detail", pk=placement.pk))}">'
        f"{_e(placement.student.user.get_full_name())}</a>"
        f'<span class="d-block small text-body-secondary">{_e(placement.supervisor_names)}</span></td>'
        f"<td>{_e(placement.organisation.name)} {org_badge(placement.organisation_is_returning)}</td>"
        f"<td>{agreement_status(placement, today)}</td>"
        f"<td>{onboarding_progress(placement)}</td>"
        f"<td>{_short_or_dash(placement.flag_workload_due)}</td>"
        f"<td>{_e(placement.flag_workload or '–')}</td>"
        f"<td>{_e(placement.flag_resource or '–')}</td>"
        f"<td>{_short_or_dash(placement.flag_last_followup)}</td>"
        f'<td class="flags">{flags}</td>'
    )


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
