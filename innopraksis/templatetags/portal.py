"""The portal's template tags: links that keep a list's filters, and sortable column headings."""

from django import template

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


@register.filter
def field_errors(form) -> bool:
    """Whether a field of the form has an error (not only the form as a whole)."""
    return any(field.errors for field in form)
