from django.contrib import admin

from .models import Address, Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "credit_limit", "payment_terms_days", "owner"]
    list_filter = ["level"]
    search_fields = ["code", "name", "search_key"]
    inlines = [ContactInline, AddressInline]
