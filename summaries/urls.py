from django.urls import path

from summaries import views

app_name = "summaries"

urlpatterns = [
    path("", views.SummaryView.as_view(), name="index"),
    path("completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("runs/", views.AggregationRunListView.as_view(), name="runs"),
    path("runs/rebuild/", views.AggregationRebuildView.as_view(), name="rebuild"),
    path("releases/", views.ReleaseListView.as_view(), name="releases"),
    path("releases/publish/", views.ReleasePublishView.as_view(), name="publish"),
    path("releases/<int:pk>/dhis2/", views.Dhis2View.as_view(), name="release_dhis2"),
    path(
        "releases/<int:pk>/dhis2/datavalues.json",
        views.Dhis2DownloadView.as_view(),
        {"file_format": "json"},
        name="release_dhis2_json",
    ),
    path(
        "releases/<int:pk>/dhis2/adx.xml",
        views.Dhis2DownloadView.as_view(),
        {"file_format": "adx"},
        name="release_dhis2_adx",
    ),
    path("releases/<int:pk>/dhis2/push/", views.Dhis2PushView.as_view(), name="release_dhis2_push"),
    path(
        "releases/<int:pk>/dhis2/mapping/",
        views.Dhis2MappingImportView.as_view(),
        name="release_dhis2_mapping",
    ),
    path("nap-report/", views.NapReportView.as_view(), name="nap_report"),
    path("nap-report/build/", views.NapReportBuildView.as_view(), name="nap_report_build"),
    path(
        "nap-report/<int:pk>/download/",
        views.NapReportDownloadView.as_view(),
        name="nap_report_download",
    ),
    path(
        "nap-report/highlights/add/",
        views.NapHighlightAddView.as_view(),
        name="nap_highlight_add",
    ),
    path(
        "nap-report/highlights/<int:pk>/remove/",
        views.NapHighlightRemoveView.as_view(),
        name="nap_highlight_remove",
    ),
    path("download.csv", views.DownloadView.as_view(), {"file_format": "csv"}, name="download_csv"),
    path(
        "download.xlsx", views.DownloadView.as_view(), {"file_format": "xlsx"}, name="download_xlsx"
    ),
]
