# The production image: Python, the packages of requirements.txt (nothing from requirements-dev.txt),
# WeasyPrint's system libraries (the runtime list of scripts/system-deps.sh) and the vendored CJK font that
# official PDFs embed (static/fonts/, checked below). tests/test_deployment.py reads this file.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=hangqifu.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fontconfig postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN test -s static/fonts/wqy-microhei.ttc
# collectstatic needs a key and hosts to import the settings; they are not used at run time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0
RUN useradd --create-home hangqifu && mkdir -p /app/var/media && chown -R hangqifu /app/var
USER hangqifu
EXPOSE 8000
# More workers than the claims let in flight (HANGQIFU_CLAIM_IN_FLIGHT, 4): the others answer the 9:00 excess at once.
# gunicorn reads its worker count from WEB_CONCURRENCY, and so does the start-up check hangqifu.W001.
ENV WEB_CONCURRENCY=8
CMD ["gunicorn", "hangqifu.wsgi:application", "--bind", "0.0.0.0:8000"]
