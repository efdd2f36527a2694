from django.urls import path

from orders import views

app_name = "orders"

# Tokens are 43-character url-safe strings; anything else is not an order and gets the plain 404.
TOKEN = "<str:token>"

# The front page (orders:upload) is the project's, picmatix/views.py: it shows payments' price and
# the gallery too. picmatix/urls.py adds it to this namespace.
urlpatterns = [
    path("upload/policy", views.upload_policy, name="upload_policy"),
    path("find-my-orders/", views.order_links_find, name="find"),
    path("photo-check/", views.photo_check, name="photo_check"),
    path(f"orders/{TOKEN}/", views.detail, name="detail"),
    path(f"orders/{TOKEN}/progress.json", views.progress, name="progress"),
    path(f"orders/{TOKEN}/progress.jpg", views.progress_image, name="progress_image"),
    path(f"orders/{TOKEN}/preview.jpg", views.preview_image, name="preview_image"),
    path(f"orders/{TOKEN}/photo.jpg", views.photo_image, name="photo_image"),
    path(f"orders/{TOKEN}/delete/", views.data_delete, name="data_delete"),
    path(f"orders/{TOKEN}/another-style/", views.another_style, name="another_style"),
    path(f"orders/{TOKEN}/share/", views.share_publish, name="share_publish"),
    path(f"orders/{TOKEN}/share/withdraw/", views.share_withdraw, name="share_withdraw"),
    # A share page's key is not an order's token (orders/sharing.py); only the painting is served.
    path("share/<str:key>/", views.share_page, name="share"),
    path("share/<str:key>/painting.jpg", views.share_image, name="share_image"),
]
