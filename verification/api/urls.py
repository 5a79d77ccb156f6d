from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("milestone-evidence", views.ClaimViewSet, basename="milestone-evidence")
urlpatterns = router.urls
