"""Where a user lands after logging in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """Customers for those who work with them; templates for the others (analysts)."""
    if request.user.has_perm("customers.view_customer"):
        return redirect("customers:list")
    return redirect("templates:list")
