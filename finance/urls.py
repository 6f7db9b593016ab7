from django.urls import path

from .views import costs, receivables

app_name = "finance"

urlpatterns = [
    path("ageing/", receivables.ageing, name="ageing"),
    path("customers/<int:pk>/statement/", receivables.statement, name="statement"),
    path("customers/<int:pk>/statement/send/", receivables.statement_send_view, name="statement_send"),
    path("customers/<int:pk>/credit-limit/", receivables.credit_limit_change_view, name="credit_limit"),
    path("standard-costs/", costs.standard_costs, name="standard_costs"),
    path("standard-costs/<int:pk>/", costs.standard_cost_edit, name="standard_cost_edit"),
]
