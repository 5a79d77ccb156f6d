from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("parks", views.ParkViewSet, basename="park")
urlpatterns = router.urls
