"""Where a user lands after logging in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """Customers for those who work with them; the reports for analysts; else templates."""
    if request.user.has_perm("customers.view_customer"):
        return redirect("customers:list")
    if request.user.has_perm("insights.view_report"):
        return redirect("insights:reports")
    if request.user.has_perm("insights.view_segment"):
        return redirect("insights:segments")
    return redirect("templates:list")
