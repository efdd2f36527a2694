from django.urls import path

from orders import views

app_name = "orders"

# Tokens are 43-character url-safe strings; anything else is not an order and gets the plain 404.
TOKEN = "<str:token>"

# The front page (orders:upload) is the project's, picmatix/views.py: it shows payments' price and
# the gallery too. picmatix/urls.py adds it to this namespace.
urlpatterns = [
    path("upload/policy", views.upload_policy, name="upload_policy"),
    path(f"orders/{TOKEN}/", views.detail, name="detail"),
    path(f"orders/{TOKEN}/progress.json", views.progress, name="progress"),
    path(f"orders/{TOKEN}/progress.jpg", views.progress_image, name="progress_image"),
    path(f"orders/{TOKEN}/preview.jpg", views.preview_image, name="preview_image"),
    path(f"orders/{TOKEN}/photo.jpg", views.photo_image, name="photo_image"),
]
