from django.urls import path

from . import views

app_name = "videos"
urlpatterns = [
    path("", views.create_video, name="create"),
    path("<uuid:pk>/", views.video_status, name="status"),
    path("<uuid:pk>/async/", views.video_status_async, name="status-async"),  # the same, on ASGI
    path("webhook/<uuid:pk>/", views.webhook, name="webhook"),
]
