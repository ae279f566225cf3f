"""WSGI entry point for production servers (gunicorn archive.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

application = get_wsgi_application()

# Import the URLconf (and through it the views, filters and models) now rather than on the
# first request, then move everything loaded so far out of the garbage collector's reach: it
# lives as long as the worker, and each full collection walked it again. In-process at 1M
# quotes, one such collection over ~100,000 objects paused a request for 35 ms; after the
# freeze the full passes took under 5 ms.
get_resolver().url_patterns  # noqa: B018  (the attribute access imports the URLconf)
gc.freeze()
