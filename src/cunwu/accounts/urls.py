from django.urls import path

from . import views, views_roles

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("roles/", views_roles.assignment_list, name="assignment_list"),
    path("roles/grant/", views_roles.assignment_grant, name="assignment_grant"),
    path("roles/<int:pk>/revoke/", views_roles.assignment_revoke, name="assignment_revoke"),
    path("users/new/", views_roles.user_create, name="user_create"),
    path("users/<int:pk>/", views_roles.user_detail, name="user_detail"),
    path("users/<int:pk>/unlock/", views_roles.user_unlock, name="user_unlock"),
    path("users/<int:pk>/active/", views_roles.user_set_active, name="user_set_active"),
    path("tokens/", views_roles.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views_roles.token_revoke, name="token_revoke"),
]
