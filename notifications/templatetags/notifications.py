from django import template

register = template.Library()


@register.inclusion_tag("notifications/_settings_form.html")
def notification_settings_form(user, csrf_token):
    from notifications.forms import SettingsForm
    from notifications.selectors import personal_settings

    return {
        "form": SettingsForm(
            initial={
                "receive": SettingsForm.received(found := personal_settings(user)),
                "webhook_channel": found.webhook_channel,
                "webhook_url": found.webhook_url,
            }
        ),
        "csrf_token": csrf_token,
    }
