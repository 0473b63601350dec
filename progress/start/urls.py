from django.urls import path

from progress.start import views

# No app_name: settings.LOGIN_REDIRECT_URL refers to "home".
urlpatterns = [
    path("", views.home, name="home"),
]
