from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class RegistrationConfig(AppConfig):
    name = "registration"
    label = "registration"
    verbose_name = "注册认定"

    def ready(self):
        # Registration, qualification, change reports and the reference lists: admin permissions of the staff roles.
        grant(Role.SERVICE_CENTER,
              "registration.view_registrationapplication", "registration.change_registrationapplication",
              "registration.review_registrationapplication",
              "registration.view_qualification", "registration.manage_qualification",
              "registration.view_changereport", "registration.change_changereport",
              "registration.view_sizethreshold", "registration.view_creditlistentry",
              "registration.add_creditlistentry", "registration.view_creditdelisting",
              "registration.view_parkrecognition", "registration.add_parkrecognition",
              "registration.view_abovescaleentry", "registration.add_abovescaleentry")
        grant(Role.BUREAU,
              "registration.view_registrationapplication", "registration.view_qualification",
              "registration.view_changereport", "registration.view_sizethreshold", "registration.add_sizethreshold",
              "registration.change_sizethreshold", "registration.view_creditlistentry",
              "registration.view_creditdelisting", "registration.view_parkrecognition",
              "registration.view_abovescaleentry")
        grant(Role.FINANCE_BUREAU, "registration.view_qualification")
