from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("supervision-items", views.SupervisionItemViewSet, basename="supervision-item")
router.register("light-rules", views.LightRuleViewSet, basename="light-rule")
urlpatterns = router.urls
