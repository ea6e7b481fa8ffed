from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("new/", views.ReportCreateView.as_view(), name="create"),
    path("returned/", views.ReturnedListView.as_view(), name="returned"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue"),
    path("review/", views.ReviewQueueView.as_view(), name="queue"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template/", views.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("import/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("periods/", views.PeriodListView.as_view(), name="periods"),
    path("periods/<int:pk>/lock/", views.PeriodLockView.as_view(), name="period_lock"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationsReadView.as_view(), name="notifications_read"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ReportEditView.as_view(), name="edit"),
    path("<int:pk>/submit/", views.SubmitView.as_view(), name="submit"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("<int:pk>/return/", views.ReturnView.as_view(), name="return"),
    path("<int:pk>/reopen/", views.ReopenView.as_view(), name="reopen"),
    path("<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="attachment_delete",
    ),
]

urlpatterns += [
    path("offline/", views.OfflineEntryView.as_view(), name="offline"),
    path("offline/data/", views.offline_data, name="offline_data"),
    path("offline/sync/", views.offline_sync, name="offline_sync"),
    path("offline/needs-connection/", views.NeedsConnectionView.as_view(), name="needs_connection"),
]
