from django.urls import path

from gallery import views

app_name = "gallery"

urlpatterns = [
    path("gallery/", views.index, name="index"),
    path("gallery/entries.json", views.entries, name="entries"),
    path("gallery/<int:entry_id>/<str:side>.jpg", views.image, name="image"),
    path("orders/<str:token>/gallery/withdraw/", views.withdraw, name="withdraw"),
]
