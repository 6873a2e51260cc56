"""The JSON API that people call with a token (agents, supervisors, customers, chat visitors);
Twilio's signed webhooks stay with their areas (`telephony/ivr`, `telephony/messaging.py`)."""
