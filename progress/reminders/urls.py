from django.urls import path

from progress.reminders import views

app_name = "reminders"

urlpatterns = [
    path("send/", views.send, name="send"),
]
