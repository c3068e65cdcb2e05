from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rescind.web"
    label = "rescind_web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        """Amounts in refusals read in the reader's money format, like everywhere else."""
        from rescind.domain.errors import PARAM_WORDING
        from rescind.domain.money import Money
        from rescind.web.money_format import money_text

        PARAM_WORDING[Money] = money_text
