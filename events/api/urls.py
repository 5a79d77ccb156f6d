from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("events", views.EventViewSet, basename="event")
router.register("signings", views.SigningViewSet, basename="signing")
router.register("agreements", views.AgreementViewSet, basename="agreement")
urlpatterns = router.urls
