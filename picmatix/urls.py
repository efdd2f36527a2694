from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from backoffice import dashboard
from orders import urls as order_urls
from orders import views as order_views
from payments import views as payments_views
from picmatix import views

urlpatterns = [
    path("", views.root, name="root"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin.site.urls, whose catch-all would answer it; admin_view: staff only, login redirect.
    path("admin/dashboard/", admin.site.admin_view(dashboard.dashboard), name="staff_dashboard"),
    path("admin/", admin.site.urls),
    # dj-stripe's webhook view: /stripe/webhook/<uuid>/ (signature verified, events de-duplicated),
    # behind ours, which checks the signature before dj-stripe stores the body.
    path("stripe/webhook/<uuid:uuid>/", payments_views.stripe_webhook),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    path("ops/queue.json", order_views.queue_metrics_view, name="queue_metrics"),
    path("", include("styles.urls")),
]
urlpatterns += i18n_patterns(
    # The front page composes orders, payments and the gallery (picmatix/views.py); it keeps its
    # name in the orders namespace.
    path("", include(([path("", views.upload, name="upload"), *order_urls.urlpatterns], "orders"))),
    path("", include("payments.urls")),
    path("", include("gallery.urls")),
    prefix_default_language=True,
)
