#!/usr/bin/env python3
"""A small customer-support bot: the example application under test.

It reads one datapoint as JSON on stdin (the `command` provider's protocol) and writes its answer on stdout.
It answers from a fixed FAQ, so evaluations of it run offline and give the same result every time.
"""
import json
import sys

FAQ = [
    (("refund", "money back", "return"),
     "You can get a full refund within 30 days of purchase. Open Orders, choose the order and select Request refund."),
    (("password", "log in", "login", "sign in"),
     "To reset your password, select Forgot password on the sign-in page and follow the link we email you."),
    (("shipping", "deliver", "arrive"),
     "Standard shipping takes 3-5 business days; express shipping arrives in 1-2 business days."),
    (("cancel", "subscription"),
     "You can cancel your subscription at any time under Account > Billing. You keep access until the period ends."),
    (("invoice", "receipt"),
     "Invoices are under Account > Billing > Invoices, where you can download each one as a PDF."),
    (("human", "agent", "person"),
     "I can connect you with a support agent. Our team is available Monday to Friday, 9:00-17:00 CET."),
]

FALLBACK = "I'm not sure about that. Could you tell me a bit more, or ask to talk to a support agent?"


def answer(datapoint: dict) -> str:
    question = (datapoint.get("prompt") or datapoint.get("input") or "").lower()
    name = datapoint.get("context", {}).get("customer_name")
    for keywords, reply in FAQ:
        if any(keyword in question for keyword in keywords):
            return f"Hi {name}! {reply}" if name else reply
    return FALLBACK


if __name__ == "__main__":
    print(answer(json.load(sys.stdin)))
