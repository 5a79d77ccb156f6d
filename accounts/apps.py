from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        # A login only stamps last_login, which the change history leaves out; without this every
        # login would add an empty "changed" row to the user's history.
        def update_last_login_without_history(sender, user, **kwargs):
            user.skip_history_when_saving = True
            try:
                update_last_login(sender, user, **kwargs)
            finally:
                del user.skip_history_when_saving

        if user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login"):
            user_logged_in.connect(
                update_last_login_without_history, dispatch_uid="update_last_login", weak=False
            )
