"""A completed video, downloaded into its row's ``output_file`` once, whoever downloads it (the
finish task, ``sync_videos``), however often, even killed halfway.

The download goes to a scratch folder first (wavevid writes it whole or not at all), then to the
row's one name, ``videos/<pk>.mp4``: on the file system by a rename, so that no partial file is
ever there and a second copy replaces the first with the same bytes; on a remote storage by one
upload. Only then does the row take the name, in one conditional UPDATE.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage
from django.utils import timezone

import wavevid

from .hooks import crash_point
from .models import VideoJob
from .wavevid_client import config

SCRATCH = ".incoming"
"""The scratch folder, in MEDIA_ROOT: on the videos' file system, so that storing is a rename.
A worker killed mid-download leaves its folder there, never a file under videos/."""


def download(client: wavevid.Client, video: VideoJob) -> bool:
    """Download row ``video``'s output and store it; True if this call gave the row its file
    (False: another copy did first). Raises ``wavevid.WavevidError``; nothing is stored then."""
    wanted = f"videos/{video.pk}.mp4"
    storage = video.output_file.storage
    with tempfile.TemporaryDirectory(dir=_scratch(storage)) as folder:
        path = client.download(
            video.output_url, Path(folder) / "video.mp4", timeout=config("DOWNLOAD_TIMEOUT")
        )
        name = _put(storage, wanted, path)
    crash_point("before-store", video.pk)
    stored = VideoJob.objects.filter(pk=video.pk, output_file="").update(
        output_file=name, updated_at=timezone.now()
    )
    if not stored and name != wanted:  # a storage that renamed our copy: the row has another
        storage.delete(name)
    return stored == 1


def _scratch(storage: Storage) -> str | None:
    try:
        folder = Path(storage.path(SCRATCH))
    except NotImplementedError:  # a remote storage: the system's temporary folder
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def _put(storage: Storage, name: str, path: Path) -> str:
    """The whole file at ``name`` (a remote storage may choose another name: returned)."""
    try:
        target = Path(storage.path(name))
    except NotImplementedError:  # an upload is stored whole or not at all
        with path.open("rb") as handle:
            return storage.save(name, File(handle))
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = getattr(storage, "file_permissions_mode", None)  # FILE_UPLOAD_PERMISSIONS
    if mode is not None:
        path.chmod(mode)
    path.replace(target)  # atomic on one file system
    return name
