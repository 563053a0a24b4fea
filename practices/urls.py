from django.urls import path

from . import views

app_name = "practices"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("practices/", views.practice_list, name="practice-list"),
    path("practices/export.csv", views.export_csv, name="export-csv"),
    path("practices/export.json", views.export_json, name="export-json"),
    path("practices/<slug:slug>/", views.practice_detail, name="practice-detail"),
    path("themes/", views.theme_list, name="theme-list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme-detail"),
    path("coverage/", views.coverage, name="coverage"),
]
