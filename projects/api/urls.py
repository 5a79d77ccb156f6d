from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
router.register("funds-in-place", views.FundsInPlaceViewSet, basename="funds-in-place")
urlpatterns = router.urls
