from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.CatalogueView.as_view(), name="catalogue"),
    path("indicators/<str:code>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("programmes/<slug:code>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
]

# Mounted at /summaries/ under the "summaries" namespace (see portal/urls.py).
summary_urlpatterns = [
    path("", views.SummaryView.as_view(), name="index"),
    path("completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("runs/", views.AggregationRunListView.as_view(), name="runs"),
    path("runs/rebuild/", views.AggregationRebuildView.as_view(), name="rebuild"),
    path("download.csv", views.DownloadView.as_view(), {"file_format": "csv"}, name="download_csv"),
    path(
        "download.xlsx", views.DownloadView.as_view(), {"file_format": "xlsx"}, name="download_xlsx"
    ),
]
