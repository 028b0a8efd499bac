"""Workers killed at chosen points, and the broker restarted: nothing lost, nothing paid twice.

The submit task commits that it starts before its POST. Killed before that, its message comes
back (``task_reject_on_worker_lost``) and the row is submitted by the next delivery; killed
after, the row is never sent again, and its webhook or the sweep settles it.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

from videos.models import Outcome, Status, VideoJob
from videos.tasks import enqueue, finish, submit
from videos.tests.celery_mode.helpers import (
    MARKS,
    assert_completed_once,
    create_rows,
    stored_files,
    submits,
    wait_for,
)
from videos.tests.servers import wait_until
from wavevid.testing import Fault, JobScript

pytestmark = MARKS


def queued_row(stack, hook: str) -> str:
    """A committed row, with a test hook armed for it, then enqueued (as the view does)."""
    video = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": f"{hook} fox"})
    (stack.hooks / f"{hook}-{video.pk}").touch()
    assert enqueue(submit, video.pk)
    return str(video.pk)


def test_killed_while_the_fake_holds_the_answer_the_row_completes_by_its_webhook(
    client, fake, stack
):
    fake.script_jobs(JobScript(outcome="never", times=1))  # still running when it comes back
    held = fake.add_fault(Fault("submit", delay=30))  # the job exists; its answer waits
    (pk,) = create_rows(client, 1, "held")
    wait_until(lambda: held.hits == 1, "the held submit")
    killed = worker_of(stack, pk)
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: worker_of(stack, pk) not in (killed, 0), "the message delivered again")
    (job_id,) = fake.jobs
    fake.finish(job_id)

    (row,) = wait_for([pk])

    assert_completed_once([row], fake)
    assert len(submits(fake)) == 1
    assert row.submit_started_at is not None


def worker_of(stack, pk: str) -> int:
    """The pool process that last ran row ``pk``'s submit task (0: being written)."""
    try:
        return int((stack.hooks / f"{pk}.pid").read_text())
    except ValueError:
        return 0


def test_killed_before_the_submit_starts_the_next_delivery_submits_once(fake, stack):
    pk = queued_row(stack, "before-start")

    (row,) = wait_for([pk])

    assert not (stack.hooks / f"before-start-{pk}").exists()  # it did die there
    assert_completed_once([row], fake)
    assert len(submits(fake)) == 1


def test_killed_after_the_start_before_the_post_it_is_never_sent(fake, stack):
    pk = queued_row(stack, "before-post")

    (row,) = wait_for([pk], timeout=30)

    assert not (stack.hooks / f"before-post-{pk}").exists()
    assert submits(fake) == []
    assert fake.jobs == {}
    assert row.status == Status.UNCERTAIN  # nobody can know that: a person decides
    assert row.candidates == []
    assert "no job was identified" in row.error


def test_a_finish_killed_after_storing_its_file_leaves_one_file(fake, stack):
    job = fake.client().submit("ltx-2-fast", prompt="a fox stored twice").wait(timeout=10)
    video = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "stored"})
    (stack.hooks / f"before-store-{video.pk}").touch()  # dies with its file in place, unrecorded
    VideoJob.objects.record(video.pk, Outcome.from_job(job))
    assert enqueue(finish, video.pk)

    (row,) = wait_for([video.pk])  # the message delivered again

    assert not (stack.hooks / f"before-store-{video.pk}").exists()  # it did die there
    assert stored_files(stack) == [Path(row.output_file.path)]  # no orphan beside it
    assert Path(row.output_file.path).read_bytes() == fake.video_for(job.id)


def test_one_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(
    client, fake, stack, workers
):
    ids = create_rows(client, 200)
    wait_until(lambda: len(fake.jobs) >= 60, "60 submits")
    workers.workers[0].kill()  # the whole worker: its process and its 4 pool processes
    try:
        rows = wait_for(ids, timeout=90)
    finally:
        workers.start()

    assert len(submits(fake)) <= 200
    prompts = Counter(job.input["prompt"] for job in fake.jobs.values())
    assert prompts.most_common(1)[0][1] == 1  # no row was submitted twice
    completed = [row for row in rows if row.status == Status.COMPLETED]
    assert_completed_once(completed, fake)
    for row in rows:
        assert row.status in (Status.COMPLETED, Status.UNCERTAIN), row.status
        assert row.status == Status.COMPLETED or "no job was identified" in row.error


def test_rows_in_flight_when_redis_restarts_are_finished(client, fake, stack):
    ids = create_rows(client, 60, "before")
    wait_until(lambda: len(fake.jobs) >= 15, "15 submits")
    stack.redis.kill()
    ids += create_rows(client, 10, "while")  # 202 each; their messages are lost
    time.sleep(1)
    stack.redis.start()
    ids += create_rows(client, 10, "after")

    rows = wait_for(ids, timeout=90)

    assert_completed_once(rows, fake)
    assert len(submits(fake)) == len(fake.jobs) == 80
