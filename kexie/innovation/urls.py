"""URL patterns of 数字科创: one namespace (``innovation:``) over the sub-packages' lists."""

from kexie.innovation.challenges import urls as challenges
from kexie.innovation.home import urls as home
from kexie.innovation.introductions import urls as introductions
from kexie.innovation.market import urls as market
from kexie.innovation.needs import urls as needs
from kexie.innovation.stations import urls as stations

app_name = "innovation"
urlpatterns: list = [*needs.urlpatterns, *market.urlpatterns, *introductions.urlpatterns, *stations.urlpatterns,
                     *challenges.urlpatterns, *home.urlpatterns]
