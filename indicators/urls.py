from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.CatalogueView.as_view(), name="catalogue"),
    path("indicators/<str:code>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("programmes/<slug:code>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
]
