from django.urls import path

from styles import views

app_name = "styles"

urlpatterns = [
    path("styles/<slug:slug>/thumbnail.jpg", views.thumbnail, name="thumbnail"),
    path("styles/<slug:slug>/example.jpg", views.example, name="example"),
    path("styles/<slug:slug>/example-own-colours.jpg", views.example_own_colours, name="example_own_colours"),
    path("styles/<slug:slug>/strength-<str:strength>.jpg", views.strength_example, name="strength_example"),
]
