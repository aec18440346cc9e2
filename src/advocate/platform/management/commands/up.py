import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from advocate.commerce.models import Order
from advocate.demo.marketplace import DEMO_PASSWORD, demo_logins
from advocate.triage import training
from advocate.triage.services import current_model


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from advocate.wsgi import application

        return application


class Command(BaseCommand):
    help = (
        "Start Advocate: create or update the database, generate the demo marketplace on first start, then run "
        "the task worker and the web server until interrupted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("ADVOCATE_HOST", "127.0.0.1"),
                            help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
        parser.add_argument("--port", type=int, default=int(os.environ.get("ADVOCATE_PORT", "8000")),
                            help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ADVOCATE_WEB_WORKERS", "2")),
                            help="web server processes (default 2)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("ADVOCATE_WEB_THREADS", "1")),
                            help="threads per web process (default 1: CPU-bound Python serves faster from processes)")
        parser.add_argument("--no-demo", action="store_true", help="start with an empty marketplace")
        parser.add_argument("--demo-orders", type=int, default=2_000, help="size of the demo marketplace")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the task worker and the clock (advocate tick) here: they run elsewhere")

    def handle(self, *args, **opts):
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not training.model_path(settings.ADVOCATE_TRIAGE_MODELS).exists():
            self.stdout.write("Training the triage models from the labelled messages (once; about a minute)…")
        current_model()
        if not opts["no_demo"] and not Order.objects.exists():
            self.stdout.write("First start: generating the demo marketplace…")
            call_command("demo", orders=opts["demo_orders"], verbosity=1)

        children = []
        if not opts["no_worker"]:
            # Tasks live in the same database (django-tasks-db); the worker is a child of this command, and so
            # is the clock that does what falls due with time (claim deadlines, email retries).
            commands = [["db_worker"], ["tick", "--every", "30"]]
            if settings.ADVOCATE_SMTP_LISTEN:
                commands.append(["mail", "listen"])
            for command in commands:
                children.append(subprocess.Popen([sys.executable, "-m", "advocate.cli", *command],
                                                 env=os.environ.copy()))

        url = f"http://{opts['host']}:{opts['port']}/"
        db = settings.DATABASES["default"]
        self.stdout.write(self.style.SUCCESS(f"\nAdvocate is running at {url}"))
        self.stdout.write(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
        logins = [] if opts["no_demo"] else demo_logins()
        if logins:
            self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
            for role, username in logins:
                self.stdout.write(f"  {role:18} {username}")
        self.stdout.write("Press Ctrl+C to stop.\n")
        settings.ADVOCATE_SHOW_DEMO_LOGINS = not opts["no_demo"]  # read by the forked web workers
        try:
            _Server({
                "bind": f"{opts['host']}:{opts['port']}",
                "workers": opts["workers"],
                "threads": opts["threads"],
                "worker_class": "gthread",
                "accesslog": None,
                "loglevel": "warning",
            }).run()
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=10)
