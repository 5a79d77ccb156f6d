from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("industry-chains", views.IndustryChainViewSet, basename="industry-chain")
router.register("chain-links", views.ChainLinkViewSet, basename="chain-link")
router.register("promotion-methods", views.PromotionMethodViewSet, basename="promotion-method")
urlpatterns = router.urls
