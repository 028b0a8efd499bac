from django.contrib import admin

from .models import VideoJob


@admin.register(VideoJob)
class VideoJobAdmin(admin.ModelAdmin):
    list_display = ("id", "model_name", "status", "wavespeed_id", "created_at", "finished_at")
    list_filter = ("status", "model_name")
    search_fields = ("id", "wavespeed_id")
    readonly_fields = (
        "id", "wavespeed_id", "fingerprint", "submit_started_at", "candidates", "created_at",
        "updated_at",
    )
