from django.urls import path

from payments import views

app_name = "payments"

TOKEN = "<str:token>"

urlpatterns = [
    path(f"orders/{TOKEN}/buy/", views.buy, name="buy"),
    path(f"orders/{TOKEN}/buy/thanks/", views.thanks, name="thanks"),
    # The signature is `timestamp:mac` (payments/links.py); without it there is no way to the HD file.
    path(f"orders/{TOKEN}/hd/<str:signature>/", views.download, name="download"),
    path(f"orders/{TOKEN}/new-link/", views.new_link, name="new_link"),
]
