"""The data_schemas of the world's document kinds: the JSON Schemas people really write.

Types, `required`, `description`s, enums, formats and patterns, nested objects and arrays, and
`additionalProperties: false` where a team wanted to be strict.
"""

from __future__ import annotations

from typing import Any

_MONEY = {"type": "number", "minimum": 0}


def _money(description: str) -> dict[str, Any]:
    return {**_MONEY, "description": description}


INVOICE: dict[str, Any] = {
    "type": "object",
    "title": "Invoice",
    "additionalProperties": False,
    "required": ["invoice_number", "invoice_date", "vendor", "line_items", "total", "currency"],
    "properties": {
        "invoice_number": {
            "type": "string",
            "description": "Invoice identifier as printed, e.g. INV-2041",
            "pattern": "^INV-[0-9]{4,6}$",
        },
        "invoice_date": {"type": "string", "format": "date", "description": "Date of issue"},
        "due_date": {"type": "string", "format": "date", "description": "Payment due date"},
        "vendor": {
            "type": "object",
            "description": "The party issuing the invoice",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "description": "Legal name of the vendor"},
                "address": {"type": "string", "description": "Postal address, one line"},
                "tax_id": {"type": "string", "description": "VAT or tax registration number"},
                "email": {"type": "string", "format": "email"},
            },
        },
        "bill_to": {
            "type": "object",
            "description": "The customer being billed",
            "properties": {
                "name": {"type": "string", "description": "Customer or contact name"},
                "address": {"type": "string"},
            },
        },
        "line_items": {
            "type": "array",
            "description": "One entry per billed line",
            "minItems": 1,
            "maxItems": 6,
            "items": {
                "type": "object",
                "required": ["description", "amount"],
                "properties": {
                    "description": {"type": "string", "description": "What was billed"},
                    "quantity": {"type": "number", "minimum": 0},
                    "unit_price": _money("Price per unit"),
                    "amount": _money("Line total (quantity x unit price)"),
                },
            },
        },
        "subtotal": _money("Sum of line amounts before tax"),
        "tax": _money("Tax amount"),
        "total": _money("Amount due including tax"),
        "currency": {
            "type": "string",
            "enum": ["USD", "EUR", "GBP"],
            "description": "ISO 4217 currency code",
        },
        "payment_status": {
            "type": "string",
            "enum": ["paid", "unpaid", "partially_paid", "overdue"],
            "description": "Payment status if stamped on the document",
        },
        "payment_terms": {"type": "string", "description": "e.g. Net 30"},
    },
}

RECEIPT: dict[str, Any] = {
    "type": "object",
    "title": "Receipt",
    "additionalProperties": False,
    "required": ["merchant", "purchase_date", "total"],
    "properties": {
        "merchant": {"type": "string", "description": "Store or merchant name"},
        "purchase_date": {"type": "string", "format": "date"},
        "purchase_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        "items": {
            "type": "array",
            "maxItems": 5,
            "items": {
                "type": "object",
                "required": ["name", "price"],
                "properties": {"name": {"type": "string"}, "price": _money("Item price")},
            },
        },
        "total": _money("Total paid"),
        "payment_method": {"type": "string", "enum": ["card", "cash", "mobile", "voucher"]},
        "card_last4": {"type": "string", "pattern": "^[0-9]{4}$"},
    },
}

TRANSACTION_ROW: dict[str, Any] = {
    "type": "object",
    "title": "Bank statement transaction",
    "description": "One row of the transactions table",
    "required": ["date", "description", "balance"],
    "properties": {
        "date": {"type": "string", "format": "date", "description": "Booking date"},
        "description": {"type": "string", "description": "Transaction text as printed"},
        "reference": {"type": "string", "description": "Bank reference"},
        "category": {
            "type": "string",
            "enum": ["groceries", "salary", "rent", "transport", "utilities", "transfer", "other"],
        },
        "debit": {"type": ["number", "null"], "minimum": 0, "description": "Money out"},
        "credit": {"type": ["number", "null"], "minimum": 0, "description": "Money in"},
        "balance": {"type": "number", "description": "Balance after the transaction"},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
    },
}

REPORT_PAGE: dict[str, Any] = {
    "type": "object",
    "title": "Annual report page",
    "required": ["page_number", "section_title"],
    "properties": {
        "page_number": {"type": "integer", "minimum": 1},
        "section_title": {"type": "string", "description": "Heading at the top of the page"},
        "summary": {"type": "string", "description": "Two-sentence summary of the page"},
        "key_figures": {
            "type": "array",
            "description": "Figures called out on the page",
            "maxItems": 4,
            "items": {
                "type": "object",
                "required": ["label", "value"],
                "properties": {
                    "label": {"type": "string"},
                    "value": {"type": "number"},
                    "unit": {"type": "string"},
                },
            },
        },
        "has_chart": {"type": "boolean", "description": "Whether the page contains a chart"},
    },
}

RESUME: dict[str, Any] = {
    "type": "object",
    "title": "Resume",
    "required": ["full_name", "email", "experience"],
    "properties": {
        "full_name": {"type": "string", "description": "Candidate's full name"},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string"},
        "location": {"type": "string", "description": "City, country"},
        "summary": {"type": "string", "description": "Professional summary"},
        "skills": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
        "languages": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "experience": {
            "type": "array",
            "description": "Work history, most recent first",
            "items": {
                "type": "object",
                "required": ["employer", "job_title"],
                "properties": {
                    "employer": {"type": "string"},
                    "job_title": {"type": "string"},
                    "start_date": {"type": "string", "format": "date"},
                    "end_date": {"type": ["string", "null"], "format": "date"},
                    "highlights": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                },
            },
        },
        "education": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "institution": {"type": "string"},
                    "degree": {"type": "string"},
                    "graduation_year": {"type": "integer", "minimum": 1970, "maximum": 2030},
                },
            },
        },
    },
}

CONTRACT: dict[str, Any] = {
    "type": "object",
    "title": "Contract",
    "required": ["parties", "effective_date", "governing_law"],
    "properties": {
        "title": {"type": "string", "description": "Contract title"},
        "parties": {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {
                "type": "object",
                "required": ["name", "role"],
                "properties": {
                    "name": {"type": "string"},
                    "role": {
                        "type": "string",
                        "enum": ["client", "supplier", "landlord", "tenant"],
                    },
                },
            },
        },
        "effective_date": {"type": "string", "format": "date"},
        "term_months": {"type": "integer", "minimum": 1, "description": "Initial term"},
        "auto_renew": {"type": "boolean"},
        "termination_notice_days": {"type": "integer", "minimum": 0},
        "governing_law": {"type": "string"},
        "payment_terms": {"type": "string"},
        "key_clauses": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
}

ONBOARDING: dict[str, Any] = {
    "type": "object",
    "title": "Employee onboarding form",
    "required": ["employee_name", "employee_id", "start_date", "department"],
    "properties": {
        "employee_name": {"type": "string"},
        "employee_id": {"type": "string", "pattern": "^EMP-[0-9]{5}$"},
        "start_date": {"type": "string", "format": "date"},
        "department": {
            "type": "string",
            "enum": ["Engineering", "Finance", "People", "Sales", "Operations"],
        },
        "manager": {"type": "string"},
        "annual_salary": _money("Gross annual salary"),
        "benefits_enrolled": {"type": "boolean"},
        "emergency_contact": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
        },
    },
}
