"""Demo data (seed_demo). Each app may add `<app>/demo.py` with `seed(ctx)`; they run in INSTALLED_APPS
order, so later apps can use what earlier ones created (ctx is a dict shared between them)."""
DEMO_PASSWORD = "Hangqifu-demo-2026"
