from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import attachment_download
from jinzhong_crm import health
from projects.views import my_work

handler500 = "core.errors.server_error"

admin.site.site_header = _("Jinzhong investment-promotion CRM")
admin.site.site_title = _("Jinzhong CRM administration")

urlpatterns = [
    # Load balancer and supervisor: live; deploy gates: ready; monitoring: the full report.
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/ready", health.ready, name="healthz_ready"),
    path("healthz", health.full, name="healthz"),
    # Pages without base.html's <link rel="icon"> (admin, API docs) make browsers ask for this. Not
    # permanent: the target is the hashed file name of the current collectstatic.
    path("favicon.ico", lambda request: redirect(static("favicon.ico")), name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", include("jinzhong_crm.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dashboards/", include("dashboards.urls")),
    path("chains/", include("chains.urls")),
    path("events/", include("events.urls")),
    path("imports/", include("imports.urls")),
    path("projects/", include("projects.urls")),
    path("views/", include("savedviews.urls")),
    path("verification/", include("verification.urls")),
    path("search/", include("search.urls")),
    path("", include("lights.urls")),
    path("", include("notifications.urls")),
    path("", include("scoring.urls")),
    path("files/<int:pk>/", attachment_download, name="attachment_download"),
    path("", include("enterprises.urls")),
    path("", my_work, name="home"),
]
