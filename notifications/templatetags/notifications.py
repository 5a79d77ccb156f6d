from django import template

register = template.Library()


@register.inclusion_tag("notifications/_settings_form.html")
def notification_settings_form(user, csrf_token):
    from notifications.forms import SettingsForm
    from notifications.selectors import personal_settings

    return {
        "form": SettingsForm(initial={"receive": SettingsForm.received(personal_settings(user))}),
        "csrf_token": csrf_token,
    }
