"""Acceptance run of the Desk API with Dixa's MIT-licensed Python client dixa-api-client
(github.com/ChemicalLuck/dixa-api-client, tried at commit 7b6bf9f), unchanged, with only its base URL
pointed at Switchboard. The client is not part of this repository: put a checkout's `dixa` package
on DIXA_CLIENT (default /tmp/dixa-client), start `switchboard serve --demo`, then

    DESK_BASE=http://127.0.0.1:8080/desk DESK_TOKEN=<Desk API token> \
    TENANT_ID=<demo tenant id> ADMIN_TOKEN=<operator token> python3 conformance/acceptance/dixa_api_client.py

(TENANT_ID and ADMIN_TOKEN are only needed for the rate-limit check.) Needs python3 and requests."""
import json, logging, os, sys, urllib.request

sys.path.insert(0, os.environ.get("DIXA_CLIENT", "/tmp/dixa-client"))
from dixa import Dixa
from dixa.api import DixaResource
from dixa.exceptions import DixaAPIError, DixaHTTPError

BASE = os.environ["DESK_BASE"]            # e.g. http://127.0.0.1:18204/desk
TOKEN = os.environ["DESK_TOKEN"]
DixaResource.base_url = BASE              # the only change: the base URL

client = Dixa(api_key=TOKEN, logger_level=logging.CRITICAL)
v1 = client.v1
checks = []

def check(name, ok, detail=""):
    checks.append((name, ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  " + str(detail)))

def expect_error(name, fn, message):
    try:
        fn()
    except DixaHTTPError as e:
        check(name + f" -> DixaHTTPError({str(e)!r})", str(e) == message, e)
        return
    check(name, False, "no exception")

# End user and agent.
user = v1.EndUser.create({"displayName": "Jane Doe", "email": "jane@example.org", "phoneNumber": "+4512345678"})
check("create end user", user["email"] == "jane@example.org" and len(user["id"]) == 36, user)
agent = v1.Agent.create({"displayName": "Alex Agent", "email": "alex@acme.example"})
check("create agent", agent["displayName"] == "Alex Agent" and agent["roles"] == ["Agent"], agent)
check("get end user", v1.EndUser.get(user["id"])["id"] == user["id"])
check("get agent", v1.Agent.get(agent["id"])["email"] == "alex@acme.example")

# Email conversation, inbound and outbound messages.
conv = v1.Conversation.create({"requesterId": user["id"], "emailIntegrationId": "support@acme.email.dixa.io",
    "subject": "Where is my order?", "language": "en",
    "message": {"content": {"value": "My order has not arrived.", "_type": "Text"}, "_type": "Inbound"}, "_type": "Email"})
cid = conv["id"]
check("create Email conversation", isinstance(cid, int), conv)
m_in = v1.Conversation.add_message(cid, {"content": {"value": "Any news?", "_type": "Text"}, "_type": "Inbound", "externalId": "in-1"})
check("add Inbound message", m_in["direction"] == "Inbound" and m_in["authorId"] == user["id"], m_in)
m_out = v1.Conversation.add_message(cid, {"content": {"value": "<p>On its way</p>", "_type": "Html"}, "_type": "Outbound",
    "agentId": agent["id"], "externalId": "out-1", "cc": ["boss@example.org"]})
check("add Outbound message", m_out["direction"] == "Outbound" and m_out["authorId"] == agent["id"] and m_out["externalId"] == "out-1", m_out)

msgs = v1.Conversation.list_messages(cid)
times = [m["createdAt"] for m in msgs]
check("list messages oldest to newest", len(msgs) == 3 and times == sorted(times) and len(set(times)) == 3
      and msgs[-1]["id"] == m_out["messageId"], times)
check("messages carry EmailAttributes", all(m["attributes"]["_type"] == "EmailAttributes" for m in msgs))
got = v1.Conversation.get(cid)
check("get conversation", got["_type"] == "EmailConversation" and got["channel"] == "Email", got)
first = v1.EndUser.list_conversations(user["id"])
check("list the end user's conversations", first["id"] == cid, first)

# Errors carry our exact message strings.
expect_error("duplicate externalId", lambda: v1.Conversation.add_message(cid,
    {"content": {"value": "again", "_type": "Html"}, "_type": "Outbound", "agentId": agent["id"], "externalId": "out-1"}), "Duplicate externalId")
expect_error("unknown _type", lambda: v1.Conversation.add_message(cid, {"content": {"value": "x", "_type": "Html"}, "_type": "Bogus"}),
    "Invalid value for: body")
expect_error("unknown conversation", lambda: v1.Conversation.get(987654), "The requested resource could not be found")
expect_error("unknown end user", lambda: v1.EndUser.get("9deb936b-52e5-4c44-828d-4c8d48fe0c7e"), "The requested resource could not be found")
expect_error("bad path id", lambda: v1.Conversation.list_messages("abc"), "Invalid value for: path parameter conversationId")
sms = v1.Conversation.create({"requesterId": user["id"], "contactEndpointId": "+4570000000",
    "message": {"content": {"value": "Your code is 1234", "_type": "Text"}, "_type": "Outbound", "agentId": agent["id"]}, "_type": "Sms"})
expect_error("Sms refuses an Inbound message", lambda: v1.Conversation.add_message(sms["id"],
    {"content": {"value": "hi", "_type": "Text"}, "_type": "Inbound"}), "Invalid input for Message")
check("the refused Sms message stored nothing", len(v1.Conversation.list_messages(sms["id"])) == 1)
expect_error("Callback", lambda: v1.Conversation.create({"requesterId": user["id"], "direction": "Inbound",
    "contactEndpointId": "+4570000000", "queueId": "9deb936b-52e5-4c44-828d-4c8d48fe0c7e", "_type": "Callback"}), "Unsupported ConversationChannel")
expect_error("end user validation", lambda: v1.EndUser.create({"email": "Jane <x@example.org>"}), "Validation failure during enduser creation")

# Page through end users (the client follows meta.next, 50 a page by default).
for i in range(119):
    v1.EndUser.create({"displayName": f"User {i:03d}", "externalId": f"U-{i:03d}"})
everyone = v1.EndUser.list_()
check("page through 120 end users by meta.next", len(everyone) == 120 and len({u["id"] for u in everyone}) == 120, len(everyone))
filtered = v1.EndUser.list_({"email": "JANE@example.org"})
check("list end users with a filter (the client sends it again on every page)", len(filtered) == 1 and filtered[0]["id"] == user["id"], filtered)

# Anonymize a message, then the conversation (force: the client's own request method, the only way it can send a query).
req = v1.Conversation.anonymize_message(cid, m_out["messageId"])
check("anonymize a message", req["_type"] == "Message" and req["targetEntityId"] == f"{cid}_{m_out['messageId']}", req)
expect_error("anonymize it again", lambda: v1.Conversation.anonymize_message(cid, m_out["messageId"]), "The message has already been anonymized")
expect_error("anonymize an open conversation without force", lambda: v1.Conversation.anonymize(cid), "The conversation is not closed; retry with force=true")
creq = client.client.patch(f"{BASE}/v1/conversations/{cid}/anonymize?force=true")
check("anonymize the conversation with force=true", creq["_type"] == "Conversation" and creq["targetEntityId"] == str(cid), creq)
anon = v1.Conversation.get(cid)
check("the conversation reads as AnonymizedConversation", anon["_type"] == "AnonymizedConversation" and anon["state"] == "Closed", anon)
after = v1.Conversation.list_messages(cid)
check("its messages are redacted", len(after) == 3 and all(m["attributes"]["emailContent"]["content"]["value"] == "" for m in after))
expect_error("add to the anonymized conversation", lambda: v1.Conversation.add_message(cid,
    {"content": {"value": "hello?", "_type": "Text"}, "_type": "Inbound"}), "Invalid input for Message")

# Rate limit: the operator sets one; the client retries its 429s and gives up.
admin = os.environ.get("ADMIN_TOKEN"); tenant = os.environ.get("TENANT_ID")
if admin and tenant:
    base = BASE.rsplit("/desk", 1)[0]
    r = urllib.request.Request(f"{base}/admin/v1/tenants/{tenant}/desk/settings", method="PUT",
        data=json.dumps({"rateLimit": {"perSecond": 0.000001, "burst": 1}}).encode(),
        headers={"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    urllib.request.urlopen(r).read()
    limited = Dixa(api_key=TOKEN, max_retries=1, retry_delay=0, logger_level=logging.CRITICAL)
    limited.v1.Agent.get(agent["id"])
    try:
        limited.v1.Agent.get(agent["id"])
        check("429 retried, then Max retries reached", False, "no exception")
    except DixaAPIError as e:
        check(f"429 retried, then DixaAPIError({str(e)!r})", str(e) == "Max retries reached", e)
    r = urllib.request.Request(f"{base}/admin/v1/tenants/{tenant}/desk/settings", method="PUT", data=b"{}",
        headers={"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    urllib.request.urlopen(r).read()

failed = [n for n, ok in checks if not ok]
print(f"\n{len(checks) - len(failed)}/{len(checks)} checks passed")
sys.exit(1 if failed else 0)
