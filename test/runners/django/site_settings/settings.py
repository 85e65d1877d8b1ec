"""Django settings: one app (shop) and the database libpq's environment
names (PGHOST, PGPORT, PGDATABASE, PGUSER)."""
import os

SECRET_KEY = "not-a-secret: this project only runs migrations"
INSTALLED_APPS = ["shop"]
USE_TZ = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["PGDATABASE"],
        "HOST": os.environ.get("PGHOST", ""),
        "PORT": os.environ.get("PGPORT", ""),
        "USER": os.environ.get("PGUSER", ""),
    }
}
