# The two commands a new machine needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev smoke screenshots test worker beat deploy-check install install-dev migrate static seed bench reliability \
	backup restore workflows

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	bash scripts/system-deps.sh
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	bash scripts/system-deps.sh test
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(PY) manage.py migrate --noinput -v0

# Static files as production serves them: collected with hashed names, served by WhiteNoise.
static: install
	$(PY) manage.py collectstatic --noinput -v0

seed: migrate static
	$(PY) manage.py seed_demo

## make run — the portal with demo data at http://127.0.0.1:8000, as users get it (debug off, Chinese error
## pages, collected static files). SQLite and in-process tasks by default; DATABASE_URL / CELERY_BROKER_URL
## switch to PostgreSQL and Redis.
run: seed
	@echo ""
	@echo "杭企服已启动：  http://$(HOST):$(PORT)/          工作台 /home/   管理后台 /admin/"
	@echo "API 文档：      http://$(HOST):$(PORT)/api/v1/docs/    公示 /notices/   产品目录 /providers/catalogue/"
	@echo "演示账号（密码 Hangqifu-demo-2026）：demo-enterprise demo-park demo-provider demo-center demo-bureau demo-finance demo-district demo-expert"
	@echo "工作人员账号（demo-center demo-bureau demo-finance demo-district demo-expert）登录还需动态口令："
	@echo "  在验证器App中添加密钥 HANGQIFUDEMOTOTPSECRETFORSTAFF22（TOTP，6位，30秒），或运行"
	@echo "  $(PY) manage.py demo_otp  查看当前口令。此密钥只用于演示数据，生产环境拒绝。"
	HANGQIFU_TEST_CLOCK=$${HANGQIFU_TEST_CLOCK:-1} $(PY) manage.py runserver --noreload $(HOST):$(PORT)

## make dev — for developers: the same portal with Django's debug pages and autoreload.
dev: seed
	DJANGO_DEBUG=1 HANGQIFU_TEST_CLOCK=$${HANGQIFU_TEST_CLOCK:-1} $(PY) manage.py runserver $(HOST):$(PORT)

## make smoke — a newcomer's first run, checked: a fresh clone of HEAD runs `make run` on a free port and every
## demo login is tried through the API and the pages (scripts/smoke.py). CI runs it after the suite.
smoke:
	$(PYTHON) scripts/smoke.py

## make screenshots — each demo role's home at 390 and 1366 px into docs/screenshots/ (for the README).
screenshots: $(VENV)/.dev
	$(PY) scripts/screenshots.py

## make workflows — one Mermaid state diagram per workflow into docs/workflows/, from the transitions (a test
## fails when a committed diagram differs from what the code generates).
workflows: install
	$(PY) scripts/workflow_diagrams.py

## make test — installs what the suite needs and runs all of it.
test: $(VENV)/.dev
	$(PY) scripts/run_tests.py

worker: install
	$(VENV)/bin/celery -A hangqifu worker -l info -Q $${CELERY_TASK_DEFAULT_QUEUE:-hangqifu}

beat: install
	$(VENV)/bin/celery -A hangqifu beat -l info --scheduler hangqifu.core.scheduler:CodeOwnedScheduler

deploy-check: install
	DJANGO_SETTINGS_MODULE=hangqifu.settings.production \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=hangqifu.example.gov.cn \
	DATABASE_URL=$${DATABASE_URL:-sqlite:////tmp/hangqifu-deploy-check.sqlite3} \
	WEB_CONCURRENCY=$${WEB_CONCURRENCY:-8} \
	$(PY) manage.py check --deploy --fail-level WARNING

## make bench — performance benchmarks against the local PostgreSQL and Redis (started if down); installs wrk,
## pgbench and the profilers if missing; 27–35 minutes on 2 quiet cores (2026-12-03). Writes bench/RESULTS.md and bench/results.json.
bench: $(VENV)/.runtime
	bash bench/prepare.sh
	$(PY) -m bench.run

## make backup — pg_dump (custom format) + a tar of the uploaded files into var/backups/<timestamp>/.
backup: install
	$(PY) -m reliability.backup backup

## make restore BACKUP=var/backups/<timestamp> [RESTORE_DATABASE=hangqifu_restore RESTORE_MEDIA=var/restore/media]
## restores into a named database and media directory (never over the live ones), then verifies both.
RESTORE_DATABASE ?= hangqifu_restore
RESTORE_MEDIA ?= var/restore/media
restore: install
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=var/backups/<timestamp>" && exit 2)
	$(PY) -m reliability.backup restore "$(BACKUP)" --database "$(RESTORE_DATABASE)" --media "$(RESTORE_MEDIA)"

## make reliability — the long reliability checks on PostgreSQL (+ a private Redis on port 6390); writes
## bench/RELIABILITY.md and bench/reliability.json. Sizes: RELIABILITY_MODEL_SEEDS, RELIABILITY_SEEDS, …,
## RELIABILITY_PG_RESTART_ROUNDS / _BUYERS (a private PostgreSQL cluster on RELIABILITY_PG_RESTART_PORT, 5439),
## RELIABILITY_GUARD_COST_DEDUCTIONS.
RELIABILITY_DATABASE_URL ?= $(if $(filter postgres%,$(DATABASE_URL)),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/hq_reliability)
reliability: $(VENV)/.dev
	bash reliability/run.sh "$(RELIABILITY_DATABASE_URL)"

