from django import template

from notifications.selectors import bell

register = template.Library()


@register.simple_tag
def bell_unread(user) -> int:
    """Unread notices for the navigation bar's bell (a few scoped queries per page)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return bell(user=user)[0]


@register.inclusion_tag("notifications/_settings_form.html")
def notification_settings_form(user, csrf_token):
    from notifications.forms import SettingsForm
    from notifications.selectors import personal_settings

    return {
        "form": SettingsForm(initial={"receive": SettingsForm.received(personal_settings(user))}),
        "csrf_token": csrf_token,
    }
