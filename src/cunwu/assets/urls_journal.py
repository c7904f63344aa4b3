"""Pages of 三资 (journal); included by assets/urls.py under the namespace assets."""

from django.urls import URLPattern, URLResolver, path

from . import views_journal as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("journal/", views.journal_list, name="journal_list"),
    path("journal/new/", views.entry_create, name="journal_create"),
    path("journal/<int:pk>/", views.entry_detail, name="journal_detail"),
    path("journal/<int:pk>/review/", views.entry_review, name="journal_review"),
    path("journal/<int:pk>/confirm/", views.entry_confirm, name="journal_confirm"),
    path("journal/<int:pk>/reverse/", views.entry_reverse, name="journal_reverse"),
    path("journal/<int:pk>/files/", views.file_add, name="journal_file_add"),
    path("journal/<int:pk>/files/<int:file_pk>/", views.file_download, name="journal_file"),
    path("journal/queue/review/", views.review_queue, name="journal_review_queue"),
    path("journal/queue/confirm/", views.confirm_queue, name="journal_confirm_queue"),
    path("journal/accounts/", views.account_list, name="journal_accounts"),
    path("journal/accounts/new/", views.account_create, name="journal_account_create"),
    path(
        "journal/accounts/<int:pk>/deactivate/",
        views.account_deactivate,
        name="journal_account_deactivate",
    ),
    path("journal/months/", views.month_index, name="journal_month_index"),
    path("journal/months/<str:code>/", views.months, name="journal_months"),
    path("journal/months/<str:code>/close/", views.month_close, name="journal_month_close"),
    path("journal/statement/<str:code>/", views.statement, name="journal_statement"),
    path(
        "journal/statement/<str:code>/publish/",
        views.statement_publish,
        name="journal_statement_publish",
    ),
]
