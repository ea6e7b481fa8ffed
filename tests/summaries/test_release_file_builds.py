"""Large release files are built by a task for the reader who asked: progress on their files page,
a link, an e-mail and a notice in the navigation when done; the same request again finds the same
build; only the reader may download it; a day later the beat task removes it."""

import datetime
import io
import os

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from portal.models import Province
from summaries import builds, release_files, services
from summaries.models import ReleaseCell, ReleaseFileBuild, SummaryDownload
from summaries.scope import SummaryFilters
from summaries.tasks import catch_up_release_files, remove_expired_release_files
from tests import factories
from tests.summaries.test_release_files import release  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

Status = ReleaseFileBuild.Status


@pytest.fixture(autouse=True)
def _media_and_thresholds(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Every release of these tests is "large"; the streaming test raises the threshold again.
    settings.RELEASE_XLSX_QUEUE_CELLS = 0
    settings.RELEASE_CSV_QUEUE_CELLS = 0


def ask(client, published, file_format="xlsx", commit=None, language="vi", **query):
    url = reverse(f"summaries:download_{file_format}")
    params = {"release": str(published.pk), "year": "2026", **query}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if commit is None:
        return client.get(url, params)
    with commit(execute=True):  # the task runs eagerly once the request's transaction commits
        return client.get(url, params)


def test_a_reviewer_asks_follows_and_downloads_a_large_xlsx(
    client,
    release,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    client.force_login(reviewer)

    response = ask(client, release, commit=django_capture_on_commit_callbacks)

    build = ReleaseFileBuild.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('summaries:files')}#file-{build.pk}"
    assert (build.status, build.progress, build.requested_by) == (Status.DONE, 100, reviewer), (
        build.error
    )
    hanoi = Province.objects.get(code="01")
    assert build.scope == str(hanoi.pk)
    in_scope = ReleaseCell.objects.filter(Q(province=None) | Q(province=hanoi), release=release)
    assert build.rows == in_scope.count()  # the nation's and Hà Nội's cells
    assert build.expires_at > timezone.now() + datetime.timedelta(hours=23)
    # Told: by e-mail (both languages, the link to the files page), on the page, in the menu.
    [email] = mail.outbox
    assert email.to == [reviewer.email]
    assert reverse("summaries:files") in email.body
    page = client.get(reverse("summaries:files")).content.decode()
    assert build.download_name in page and 'http-equiv="refresh"' not in page
    assert 'id="files-ready-count"' in page and ">1</span>" in page

    download = client.get(reverse("summaries:release_file_download", args=[build.pk]))

    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    data = workbook.worksheets[0]
    values = list(data.iter_rows(values_only=True))
    assert len(values) - 1 == build.rows
    assert {row[4] for row in values[1:]} == {"VN", "01"}  # province codes: nation, Hà Nội
    reports = 13  # column of the report count: a number, typed as one
    assert all(data.cell(row, reports).data_type == "n" for row in range(2, len(values) + 1))
    assert SummaryDownload.objects.get(user=reviewer).rows == build.rows
    # Downloaded: the menu no longer calls for it.
    assert "nav-release-files" not in client.get(reverse("summaries:files")).content.decode()


def test_a_large_csv_is_the_same_file_as_the_streamed_one(
    client,
    settings,
    release,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    admin = factories.admin_user()
    client.force_login(admin)
    settings.RELEASE_CSV_QUEUE_CELLS = 10**9
    streamed = b"".join(ask(client, release, "csv").streaming_content)
    settings.RELEASE_CSV_QUEUE_CELLS = 0

    ask(client, release, "csv", commit=django_capture_on_commit_callbacks)

    build = ReleaseFileBuild.objects.get()
    built = client.get(reverse("summaries:release_file_download", args=[build.pk]))
    assert b"".join(built.streaming_content) == streamed
    assert build.scope == "all"
    assert build.rows == ReleaseCell.objects.filter(release=release).count()


def test_a_small_file_streams_at_once(client, settings, release):  # noqa: F811
    settings.RELEASE_XLSX_QUEUE_CELLS = release.cells
    client.force_login(factories.admin_user())

    response = ask(client, release)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not ReleaseFileBuild.objects.exists()


def test_the_same_request_twice_finds_the_same_build(
    client,
    release,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    client.force_login(reviewer)

    ask(client, release)  # queued; not run (no commit here)
    queued = ReleaseFileBuild.objects.get()
    ask(client, release)  # the same, while queued
    assert ReleaseFileBuild.objects.get() == queued
    services.release_file_build_run(build_id=queued.pk)
    ask(client, release)  # the same, once done
    assert ReleaseFileBuild.objects.get() == queued
    ask(client, release, "csv")  # another format: another file
    ask(client, release, language="en")  # another language: another file
    ask(client, release, province=str(factories.province("01").pk))  # the same provinces
    assert ReleaseFileBuild.objects.count() == 3
    assert set(ReleaseFileBuild.objects.values_list("file_format", "language")) == {
        ("xlsx", "vi"),
        ("csv", "vi"),
        ("xlsx", "en"),
    }


def test_a_failed_build_says_so_and_a_new_request_builds_again(
    client,
    release,  # noqa: F811
):
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    client.force_login(reviewer)
    failed = ReleaseFileBuild.objects.create(
        requested_by=reviewer,
        release=release,
        file_format="xlsx",
        language="vi",
        scope=str(factories.province("01").pk),
        status=Status.FAILED,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )

    page = client.get(reverse("summaries:files")).content.decode()
    ask(client, release)

    assert "text-danger" in page
    assert ReleaseFileBuild.objects.exclude(pk=failed.pk).get().status == Status.QUEUED


def test_a_running_build_shows_its_progress_and_the_page_polls(client, release):  # noqa: F811
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    client.force_login(reviewer)
    ask(client, release)
    ReleaseFileBuild.objects.update(status=Status.RUNNING, progress=35)

    page = client.get(reverse("summaries:files")).content.decode()

    assert 'http-equiv="refresh"' in page and 'value="35"' in page
    assert 'id="nav-release-files"' in page  # in the menu while it is built
    assert "release-file-link" not in page


@pytest.mark.parametrize("who", ["other reviewer", "admin", "requester out of scope"])
def test_only_the_reader_who_asked_may_download_their_file(
    client,
    release,  # noqa: F811
    who,
):
    hanoi = factories.province("01")
    reviewer = factories.reviewer(provinces=[hanoi])
    build = services.release_file_request(
        actor=reviewer, filters=SummaryFilters(year=2026), file_format="xlsx", release_id=None
    )
    services.release_file_build_run(build_id=build.pk)
    if who == "other reviewer":
        reader = factories.reviewer(provinces=[factories.province("79")])
    elif who == "admin":
        reader = factories.admin_user()
    else:  # the reviewer no longer reviews Hà Nội
        reader = reviewer
        for membership in reviewer.memberships.all():
            membership.scope_provinces.set([factories.province("79")])
    client.force_login(reader)

    response = client.get(reverse("summaries:release_file_download", args=[build.pk]))
    page = client.get(reverse("summaries:files")).content.decode()

    assert response.status_code == 404
    if reader != reviewer:
        assert build.download_name not in page  # nor listed
    assert not SummaryDownload.objects.exists()


def test_a_reporter_gets_no_release_file(client, release):  # noqa: F811
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    build = services.release_file_request(
        actor=reviewer, filters=SummaryFilters(year=2026), file_format="csv", release_id=None
    )
    client.force_login(factories.reporter())

    assert client.get(reverse("summaries:release_file_download", args=[build.pk])).status_code in (
        403,
        404,
    )
    assert ask(client, release).status_code == 403
    assert ReleaseFileBuild.objects.count() == 1


def test_files_are_removed_a_day_after_they_are_built(client, release):  # noqa: F811
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    build = services.release_file_request(
        actor=reviewer, filters=SummaryFilters(year=2026), file_format="xlsx", release_id=None
    )
    build = services.release_file_build_run(build_id=build.pk)
    path = build.file.path
    client.force_login(reviewer)
    schedule = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "summaries.tasks.remove_expired_release_files" in schedule

    with time_machine.travel(build.finished_at + datetime.timedelta(hours=23, minutes=59)):
        client.force_login(reviewer)
        assert services.release_files_remove_expired() == 0
        assert (
            client.get(reverse("summaries:release_file_download", args=[build.pk])).status_code
            == 200
        )
    with time_machine.travel(build.finished_at + datetime.timedelta(days=1, minutes=1)):
        assert (
            client.get(reverse("summaries:release_file_download", args=[build.pk])).status_code
            == 404
        )
        assert remove_expired_release_files.delay().get() == 1

    assert not ReleaseFileBuild.objects.exists()
    assert not os.path.exists(path)


def test_a_build_whose_task_was_lost_is_queued_again_and_built_once(
    release,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    build = services.release_file_request(  # its task never ran (no commit in this test)
        actor=reviewer, filters=SummaryFilters(year=2026), file_format="csv", release_id=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert catch_up_release_files.delay().get() == 0  # just asked: not lost yet

    with time_machine.travel(build.created_at + datetime.timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert catch_up_release_files.delay().get() == 1
        build.refresh_from_db()
        assert build.status == Status.DONE
        first = build.finished_at
        # Delivered again (twice queued): left as it is, no second e-mail.
        services.release_file_build_run(build_id=build.pk)
    build.refresh_from_db()
    assert build.finished_at == first
    assert len(mail.outbox) == 1


def test_a_running_build_is_not_run_twice_unless_abandoned(release):  # noqa: F811
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    build = services.release_file_request(
        actor=reviewer, filters=SummaryFilters(year=2026), file_format="xlsx", release_id=None
    )
    started = timezone.now()
    ReleaseFileBuild.objects.filter(pk=build.pk).update(status=Status.RUNNING, started_at=started)

    services.release_file_build_run(build_id=build.pk)
    build.refresh_from_db()
    assert (build.status, build.file.name) == (Status.RUNNING, "")

    with time_machine.travel(started + datetime.timedelta(hours=1)):  # its worker was lost
        services.release_file_build_run(build_id=build.pk)
    build.refresh_from_db()
    assert build.status == Status.DONE and build.file.name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_seen_by_others_while_the_file_is_read(
    uses_postgres,
    monkeypatch,
    release,  # noqa: F811
):
    """On PostgreSQL the rows stream out of a COPY inside the task's transaction: each step of
    progress is saved through a connection of its own, so a polling page sees it at once."""
    if not uses_postgres:
        pytest.skip("COPY needs PostgreSQL (DATABASE_URL)")
    monkeypatch.setattr(release_files, "CHUNK_ROWS", 1)  # a step after every row
    reviewer = factories.reviewer(provinces=[factories.province("01")])
    seen = []
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    original = builds._ProgressWriter.step

    def step(self, percent):
        original(self, percent)
        with reader.cursor() as cursor:
            cursor.execute(
                "SELECT progress FROM summaries_releasefilebuild WHERE id = %s", [self.build.pk]
            )
            seen.append(cursor.fetchone()[0])

    monkeypatch.setattr(builds._ProgressWriter, "step", step)
    try:  # committed at once (a transactional test): the task runs eagerly on commit
        build = services.release_file_request(
            actor=reviewer, filters=SummaryFilters(year=2026), file_format="csv", release_id=None
        )
    finally:
        reader.close()

    assert any(5 <= percent < 100 for percent in seen), seen
    assert seen == sorted(seen)
    build.refresh_from_db()
    assert (build.status, build.progress) == (Status.DONE, 100)
