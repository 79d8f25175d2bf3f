from hangqifu.core.jobs import periodic_job

from .services import notices_close_expired

periodic_job("notices.close_expired")(notices_close_expired)
