from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("reports", views.ReportDocumentViewSet, basename="report")
urlpatterns = router.urls
