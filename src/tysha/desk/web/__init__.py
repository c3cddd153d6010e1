"""The web desk (``tysha desk serve``): the app is :mod:`tysha.desk.web.app`; serving it
(bind first, then say so) is :func:`tysha.desk.web.serve.serve_web`."""
