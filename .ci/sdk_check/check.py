"""Drives Zoho's official Python SDK (zohocrmsdk8-0) against a running zoho-gateway sandbox.

The SDK must accept every sandbox response: grant-token exchange, current user, list, get, create,
update, search (email and criteria), delete, a permission error, the modules and fields metadata of
every module (Leads, Contacts, Deals, the custom Courses), list/get/create of a Course and of a Deal
with lookups, COQL (rows, COUNT(id), 204, a syntax error), the refresh-token flow and revoke.
Where the SDK and the sandbox disagree, the SDK is right. Exits non-zero on any SDK exception or
wrong result.

Environment (printed by `cargo run -p zoho-sandbox --example serve`): ACCOUNTS_URL, TOKEN_URL, API_URL, CLIENT_ID,
CLIENT_SECRET, plus REDIRECT_URI (registered with the sandbox) and WORK_DIR (scratch directory).
"""

import datetime
import logging
import os
import sys
import traceback
from urllib.parse import parse_qs, urlparse

import requests
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api import Initializer, ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.coql import APIException as CoqlAPIException
from zohocrmsdk.src.com.zoho.crm.api.coql import BodyWrapper as CoqlBodyWrapper
from zohocrmsdk.src.com.zoho.crm.api.coql import CoqlOperations
from zohocrmsdk.src.com.zoho.crm.api.coql import ResponseWrapper as CoqlResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.fields import ResponseWrapper as FieldsResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ResponseWrapper as ModulesResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.record import (
    APIException,
    ActionWrapper,
    BodyWrapper,
    Field,
    GetRecordParam,
    GetRecordsParam,
    Record,
    RecordOperations,
    ResponseWrapper,
    SearchRecordsParam,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, MinifiedUser, UsersOperations
from zohocrmsdk.src.com.zoho.crm.api.util import Choice
from zohocrmsdk.src.com.zoho.crm.api.users import ResponseWrapper as UsersResponseWrapper

ENV = os.environ
ACCOUNTS_URL = ENV["ACCOUNTS_URL"]
TOKEN_URL = ENV["TOKEN_URL"]
API_URL = ENV["API_URL"]
CLIENT_ID = ENV["CLIENT_ID"]
CLIENT_SECRET = ENV["CLIENT_SECRET"]
REDIRECT_URI = ENV["REDIRECT_URI"]
WORK_DIR = ENV["WORK_DIR"]
SCOPES = ",".join([
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoSearch.securesearch.READ",
    "ZohoCRM.coql.READ",
])
USER_EMAIL = "daniel.okafor@zylker-academy.example"  # the "coordinator", a Standard-profile user
CREDIT_BUDGET = int(ENV.get("CREDIT_BUDGET", "400"))  # run.sh starts the sandbox with this budget

passed = 0


def check(condition, what):
    """Counts a passed check or fails the run with a message."""
    global passed
    if not condition:
        raise AssertionError(what)
    passed += 1
    print(f"ok   {what}")


def value(v):
    """Picklist values come back as SDK Choice objects."""
    return v.get_value() if hasattr(v, "get_value") else v


def grant_code():
    """GET /oauth/v2/auth picking the user directly; read `code` from Location without following it."""
    response = requests.get(
        f"{ACCOUNTS_URL}/oauth/v2/auth",
        params={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPES,
            "access_type": "offline",
            "prompt": "consent",
            "state": "sdk-check",
            "sandbox_user": "coordinator",
        },
        allow_redirects=False,
        timeout=10,
    )
    check(response.status_code == 302, "authorization redirects (302)")
    query = parse_qs(urlparse(response.headers["Location"]).query)
    check(query.get("state") == ["sdk-check"] and query.get("location") == ["us"], "redirect carries state and location")
    check(query.get("accounts-server") == [ACCOUNTS_URL], "redirect carries accounts-server")
    return query["code"][0]


def foreign_lead_id(my_id):
    """A lead owned by someone else, found as the admin over plain HTTP (not through the SDK)."""
    response = requests.get(
        f"{ACCOUNTS_URL}/oauth/v2/auth",
        params={"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT_URI,
                "scope": "ZohoCRM.modules.leads.READ", "sandbox_user": "admin"},
        allow_redirects=False, timeout=10,
    )
    code = parse_qs(urlparse(response.headers["Location"]).query)["code"][0]
    tokens = requests.post(TOKEN_URL, data={"grant_type": "authorization_code", "client_id": CLIENT_ID,
                                            "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI,
                                            "code": code}, timeout=10).json()
    leads = requests.get(f"{API_URL}/crm/v8/Leads", params={"fields": "Owner", "per_page": 20},
                         headers={"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}, timeout=10).json()
    return next(r["id"] for r in leads["data"] if r["Owner"]["id"] != my_id)


def environment():
    # A custom Environment (zoho-api.md §5.7): API base, full token URL, file-upload base.
    return DataCenter.Environment(API_URL, TOKEN_URL, API_URL)


def action_success(response, what, status_codes=(200, 201)):
    check(response is not None, f"{what}: SDK returned a response")
    check(response.get_status_code() in status_codes, f"{what}: HTTP {response.get_status_code()}")
    wrapper = response.get_object()
    check(isinstance(wrapper, ActionWrapper), f"{what}: ActionWrapper")
    result = wrapper.get_data()[0]
    if isinstance(result, APIException):
        raise AssertionError(f"{what}: {result.get_code().get_value()} {result.get_details()}")
    check(isinstance(result, SuccessResponse), f"{what}: SuccessResponse")
    check(result.get_code().get_value() == "SUCCESS", f"{what}: code SUCCESS")
    return result.get_details()


def records_of(response, what):
    check(response is not None, f"{what}: SDK returned a response")
    check(response.get_status_code() == 200, f"{what}: HTTP {response.get_status_code()}")
    wrapper = response.get_object()
    check(isinstance(wrapper, ResponseWrapper), f"{what}: ResponseWrapper")
    return wrapper


def check_modules_and_fields():
    """The modules list and the fields of every module, through the SDK's metadata operations."""
    response = ModulesOperations().get_modules()
    check(response is not None and response.get_status_code() == 200, "modules: 200")
    wrapper = response.get_object()
    check(isinstance(wrapper, ModulesResponseWrapper), "modules: ResponseWrapper")
    modules = {m.get_api_name(): m for m in wrapper.get_modules()}
    check({"Leads", "Contacts", "Deals", "Courses"} <= set(modules), "modules: Leads, Contacts, Deals, Courses listed")
    check(modules.get("Home") is not None and modules["Home"].get_api_supported() is False, "modules: Home is not API-supported")
    courses = modules["Courses"]
    check(value(courses.get_generated_type()) == "custom" and courses.get_module_name() == "CustomModule1",
          "modules: Courses is a custom module (CustomModule1)")
    response = ModulesOperations().get_module_by_api_name("Deals")
    check(response is not None and response.get_status_code() == 200, "module Deals: 200")
    check([m.get_api_name() for m in response.get_object().get_modules()] == ["Deals"], "module Deals: one module")

    expected = {
        "Contacts": {"Full_Name": "text", "Email": "email", "Date_of_Birth": "date"},
        "Deals": {"Deal_Name": "text", "Stage": "picklist", "Amount": "currency", "Contact_Name": "lookup", "Course": "lookup"},
        "Courses": {"Name": "text", "Code": "text", "Fees": "currency", "Seats": "integer", "Online": "boolean"},
    }
    for module, types in expected.items():
        params = ParameterMap()
        params.add(GetFieldsParam.module, module)
        response = FieldsOperations().get_fields(params)
        check(response is not None and response.get_status_code() == 200, f"fields of {module}: 200")
        wrapper = response.get_object()
        check(isinstance(wrapper, FieldsResponseWrapper), f"fields of {module}: ResponseWrapper")
        fields = {f.get_api_name(): f for f in wrapper.get_fields()}
        check(all(value(fields[name].get_data_type()) == t for name, t in types.items() if name in fields)
              and set(types) <= set(fields), f"fields of {module}: data types")
        if module == "Deals":
            lookup = fields["Contact_Name"].get_lookup()
            check(lookup is not None and lookup.get_module().get_api_name() == "Contacts", "Deals.Contact_Name looks up Contacts")
            check(fields["Deal_Name"].get_display_field() is True, "Deals.Deal_Name is the display field")


def coql(query):
    """POST /crm/v8/coql through the SDK."""
    body = CoqlBodyWrapper()
    body.set_select_query(query)
    return CoqlOperations().get_records(body)


def check_coql(my_id):
    """COQL rows parse as records (owners as {"id"} only), with info; COUNT(id); 204; SYNTAX_ERROR."""
    response = coql(f"select Last_Name, Owner, Owner.email from Leads where Owner = '{my_id}' order by Last_Name limit 5")
    check(response is not None and response.get_status_code() == 200, "coql: 200")
    wrapper = response.get_object()
    check(isinstance(wrapper, CoqlResponseWrapper), "coql: ResponseWrapper")
    rows = wrapper.get_data()
    # The SDK leaves COQL's lookups as plain dicts: the answer names no module to type them by.
    owners = [r.get_key_value("Owner") for r in rows]
    check(len(rows) == 5 and all(o == {"id": my_id} for o in owners), "coql: 5 own leads, the owner as {id} only")
    check(all(r.get_key_value("Owner.email") == USER_EMAIL for r in rows), "coql: the owner's email through the relation")
    names = [r.get_key_value("Last_Name").lower() for r in rows]
    check(names == sorted(names), "coql: ordered by Last_Name")
    check(wrapper.get_info().get_count() == 5 and wrapper.get_info().get_more_records() is True, "coql: info parsed")
    response = coql("select COUNT(id) from Leads where id is not null")
    count = response.get_object().get_data()[0].get_key_value("COUNT(id)")
    check(isinstance(count, int) and count > 5, "coql: COUNT(id) of the leads a standard user sees")
    response = coql("select Last_Name from Leads where Last_Name = 'Nobody-at-all'")
    check(response is not None and response.get_status_code() == 204, "coql without match: 204")
    response = coql("select Last_Name from Leads where City = 'A' and City = 'B' and City = 'C'")
    error = response.get_object()
    check(response.get_status_code() == 400 and isinstance(error, CoqlAPIException)
          and error.get_code().get_value() == "SYNTAX_ERROR", "coql: three flat conditions are a SYNTAX_ERROR")


def check_courses_and_deals(my_id):
    """List, get and create a Course (custom module) and a Deal with Contact_Name and Course lookups."""
    courses = RecordOperations("Courses")
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Name,Code,Fees,Seats,Online,Start_Date,Owner")
    wrapper = records_of(courses.get_records(params), "list Courses")
    listed = wrapper.get_data()
    check(listed and all(str(r.get_key_value("Owner").get_id()) == my_id for r in listed), "Courses: only own courses")
    first = records_of(courses.get_record(listed[0].get_id()), "get one Course").get_data()[0]
    check(first.get_key_value("Name") == listed[0].get_key_value("Name"), "Course: same Name")
    check(isinstance(first.get_key_value("Seats"), int), "Course: Seats parsed as int")
    check(isinstance(first.get_key_value("Start_Date"), datetime.date), "Course: Start_Date parsed as date")

    course = Record()
    course.add_key_value("Name", "Rust for Web Developers")
    course.add_key_value("Code", "RUST101")
    course.add_key_value("Fees", 55000.0)
    course.add_key_value("Seats", 24)
    course.add_key_value("Online", True)
    course.add_key_value("Start_Date", datetime.date(2026, 5, 4))
    body = BodyWrapper()
    body.set_data([course])
    course_id = int(action_success(courses.create_records(body), "create Course", (201,))["id"])
    created = records_of(courses.get_record(course_id), "read back created Course").get_data()[0]
    check(created.get_key_value("Code") == "RUST101" and created.get_key_value("Seats") == 24, "created Course: Code, Seats")
    check(created.get_key_value("Online") is True, "created Course: Online")

    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Full_Name")
    contact = records_of(RecordOperations("Contacts").get_records(params), "list Contacts").get_data()[0]

    deals = RecordOperations("Deals")
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Deal_Name,Stage,Amount,Contact_Name,Course")
    listed = records_of(deals.get_records(params), "list Deals").get_data()
    check(listed and listed[0].get_key_value("Contact_Name").get_key_value("name") is not None, "Deals: lookups carry a name")
    deal = Record()
    deal.add_key_value("Deal_Name", "Rust enrolment (SDK)")
    deal.add_key_value("Stage", Choice("Qualification"))
    deal.add_key_value("Amount", 55000.0)
    deal.add_key_value("Closing_Date", datetime.date(2026, 4, 30))
    contact_ref = Record()
    contact_ref.set_id(contact.get_id())
    deal.add_key_value("Contact_Name", contact_ref)
    course_ref = Record()
    course_ref.set_id(course_id)
    deal.add_key_value("Course", course_ref)
    body = BodyWrapper()
    body.set_data([deal])
    deal_id = int(action_success(deals.create_records(body), "create Deal", (201,))["id"])
    created = records_of(deals.get_record(deal_id), "read back created Deal").get_data()[0]
    linked = created.get_key_value("Contact_Name")
    check(str(linked.get_id()) == str(contact.get_id()), "created Deal: Contact_Name id")
    check(linked.get_key_value("name") == contact.get_key_value("Full_Name"), "created Deal: Contact_Name name")
    check(created.get_key_value("Course").get_key_value("name") == "Rust for Web Developers", "created Deal: Course name")
    check(value(created.get_key_value("Stage")) == "Qualification", "created Deal: Stage")
    action_success(deals.delete_record(deal_id), "delete Deal", (200,))
    action_success(courses.delete_record(course_id), "delete Course", (200,))


def admin_user_id():
    """The org's administrator, read with the SDK's current token (GET /users?type=AdminUsers)."""
    token = Initializer.get_initializer().token.get_access_token()
    answer = requests.get(f"{API_URL}/crm/v8/users", params={"type": "AdminUsers"},
                          headers={"Authorization": f"Zoho-oauthtoken {token}"}, timeout=10)
    return answer.json()["users"][0]["id"]


def check_owner_assignment(leads):
    """The API writes Owner (zoho-api.md §11); an unknown user id is INVALID_DATA."""
    record = Record()
    record.add_key_value("Last_Name", "Owner (SDK)")
    record.add_key_value("Email", "owner.sdk@student.example")
    owner = MinifiedUser()
    owner.set_id(int(admin_user_id()))
    record.add_key_value("Owner", owner)
    body = BodyWrapper()
    body.set_data([record])
    lead_id = action_success(leads.create_records(body), "create Lead owned by the admin", (201,))["id"]
    response = leads.get_record(int(lead_id))
    check(response is not None and response.get_status_code() == 403, "a lead given to the admin is no longer ours: 403")
    record = Record()
    record.add_key_value("Last_Name", "Nobody (SDK)")
    nobody = MinifiedUser()
    nobody.set_id(6180428000000999999)
    record.add_key_value("Owner", nobody)
    body = BodyWrapper()
    body.set_data([record])
    response = leads.create_records(body)
    result = response.get_object().get_data()[0] if response is not None else None
    check(isinstance(result, APIException) and result.get_code().get_value() == "INVALID_DATA"
          and result.get_details().get("api_name") == "Owner", "unknown owner: INVALID_DATA on Owner")


def list_one(leads):
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Last_Name")
    params.add(GetRecordsParam.per_page, 1)
    return leads.get_records(params)


def check_credits_header(leads):
    """Past half the credit budget answers carry X-API-CREDITS-REMAINING (zoho-api.md §4)."""
    headers = {}
    for _ in range(CREDIT_BUDGET):
        response = list_one(leads)
        headers = {k.lower(): v for k, v in (response.get_headers() or {}).items()}
        if "x-api-credits-remaining" in headers:
            break
    remaining = headers.get("x-api-credits-remaining")
    check(remaining is not None and 0 < int(remaining) <= CREDIT_BUDGET // 2, "X-API-CREDITS-REMAINING past half the budget")


def check_credits_run_out(config, logger):
    """With no credits left, 429 TOO_MANY_REQUESTS parsed as APIException (zoho-api.md §4)."""
    store = FileStore(file_path=os.path.join(WORK_DIR, "sdk_tokens_credits.csv"))
    token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_token=grant_code(), redirect_url=REDIRECT_URI)
    Initializer.initialize(environment=environment(), token=token, store=store, sdk_config=config,
                           resource_path=WORK_DIR, logger=logger)
    leads = RecordOperations("Leads")
    response = None
    for _ in range(CREDIT_BUDGET + 1):
        response = list_one(leads)
        if response is not None and response.get_status_code() == 429:
            break
    error = response.get_object() if response is not None else None
    check(response is not None and response.get_status_code() == 429 and isinstance(error, APIException)
          and error.get_code().get_value() == "TOO_MANY_REQUESTS", "credits run out: 429 TOO_MANY_REQUESTS")


def main():
    logger = Logger.get_instance(level=Logger.Levels.INFO, file_path=os.path.join(WORK_DIR, "sdk.log"))
    store = FileStore(file_path=os.path.join(WORK_DIR, "sdk_tokens.csv"))
    # auto_refresh_fields=True makes the SDK also call GET /settings/modules (§5.7 gotcha 3).
    config = SDKConfig(auto_refresh_fields=True, pick_list_validation=True)
    token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_token=grant_code(), redirect_url=REDIRECT_URI)
    Initializer.initialize(environment=environment(), token=token, store=store, sdk_config=config,
                           resource_path=WORK_DIR, logger=logger)
    check(token.get_access_token() is not None, "grant-token exchange gave an access token")
    check(token.get_refresh_token() is not None, "grant-token exchange gave a refresh token")
    check(token.get_api_domain() == API_URL, "api_domain is the sandbox (the SDK keeps the custom environment)")
    check(Initializer.get_initializer().environment.url == API_URL, "environment still points at the sandbox")
    signature = token.get_user_signature()
    check(signature is not None and signature.get_name().startswith(USER_EMAIL + ":"), "find_user: user signature email:zgid")

    # Current user.
    params = ParameterMap()
    params.add(GetUsersParam.type, "CurrentUser")
    response = UsersOperations().get_users(params)
    check(response is not None and response.get_status_code() == 200, "users?type=CurrentUser: 200")
    users = response.get_object()
    check(isinstance(users, UsersResponseWrapper), "users: ResponseWrapper")
    me = users.get_users()[0]
    check(me.get_email() == USER_EMAIL, "current user is the coordinator")
    my_id = str(me.get_id())

    leads = RecordOperations("Leads")
    # List.
    list_fields = "First_Name,Last_Name,Email,Company,Course,Owner,Lead_Status"
    params = ParameterMap()
    params.add(GetRecordsParam.fields, list_fields)
    params.add(GetRecordsParam.per_page, 50)
    wrapper = records_of(leads.get_records(params), "list Leads")
    records = wrapper.get_data()
    check(len(records) == 50, "list: 50 records")
    check(all(str(r.get_key_value("Owner").get_id()) == my_id for r in records), "list: a standard user sees only own leads")
    info = wrapper.get_info()
    check(info.get_more_records() is True and info.get_per_page() == 50, "list: info parsed (more_records, per_page)")
    check(info.get_next_page_token() is not None, "list: next_page_token")
    # The page token is bound to the other parameters (zoho-api.md §2.2): repeat them unchanged.
    params = ParameterMap()
    params.add(GetRecordsParam.fields, list_fields)
    params.add(GetRecordsParam.page_token, info.get_next_page_token())
    params.add(GetRecordsParam.per_page, 50)
    wrapper = records_of(leads.get_records(params), "list Leads with page_token")
    page_two = {str(r.get_id()) for r in wrapper.get_data()}
    check(page_two and not page_two & {str(r.get_id()) for r in records}, "page_token page has new records")
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Last_Name")
    params.add(GetRecordsParam.page_token, "garbage")
    response = leads.get_records(params)
    check(response is not None and response.get_status_code() == 400 and isinstance(response.get_object(), APIException)
          and response.get_object().get_code().get_value() == "INVALID_DATA", "garbage page_token: APIException INVALID_DATA")

    # Get one.
    first = records[0]
    response = leads.get_record(first.get_id())
    wrapper = records_of(response, "get one Lead")
    record = wrapper.get_data()[0]
    check(record.get_id() == first.get_id(), "get: same id")
    check(record.get_key_value("Email") == first.get_key_value("Email"), "get: same Email")
    check(record.get_key_value("Course") is not None, "get: custom field Course present")
    check(record.get_created_time() is not None, "get: Created_Time parsed as datetime")

    # Create.
    new = Record()
    new.add_field_value(Field.Leads.first_name(), "Ada")
    new.add_field_value(Field.Leads.last_name(), "Lovelace (SDK)")
    new.add_field_value(Field.Leads.email(), "ada.lovelace.sdk@student.example")
    new.add_field_value(Field.Leads.company(), "Jai Hind College, Mumbai")
    new.add_key_value("Course", Choice("Python for the Web"))  # Course is a picklist
    new.add_key_value("Mobile", "+91 98450 00001")
    body = BodyWrapper()
    body.set_data([new])
    body.set_trigger(["workflow"])
    details = action_success(leads.create_records(body), "create Lead", (201,))
    new_id = details["id"]
    check(isinstance(new_id, (int, str)) and str(new_id).isdigit(), "create: id returned")
    wrapper = records_of(leads.get_record(int(new_id)), "read back created Lead")
    created = wrapper.get_data()[0]
    check(created.get_key_value("Last_Name") == "Lovelace (SDK)", "created: Last_Name")
    check(value(created.get_key_value("Course")) == "Python for the Web", "created: Course (a picklist)")
    check(str(created.get_key_value("Owner").get_id()) == my_id, "created: owned by the caller")

    # Update.
    change = Record()
    # Picklist values go through the SDK's Choice (validated against the fields metadata).
    change.add_key_value("Lead_Status", Choice("Contacted"))
    change.add_key_value("Course", Choice("React in Depth"))
    body = BodyWrapper()
    body.set_data([change])
    action_success(leads.update_record(int(new_id), body), "update Lead", (200,))
    updated = records_of(leads.get_record(int(new_id)), "read back updated Lead").get_data()[0]
    check(value(updated.get_key_value("Lead_Status")) == "Contacted", "updated: Lead_Status")
    check(value(updated.get_key_value("Course")) == "React in Depth", "updated: Course")

    # Search by email and by criteria (with the documented escaping, zoho-api.md §2.8).
    params = ParameterMap()
    params.add(SearchRecordsParam.email, "ada.lovelace.sdk@student.example")
    found = records_of(leads.search_records(params), "search by email").get_data()
    check([str(r.get_id()) for r in found] == [str(new_id)], "search by email finds the new lead")
    params = ParameterMap()
    criteria = r"((Last_Name:equals:Lovelace \(SDK\))and(Company:equals:Jai Hind College\, Mumbai))"
    params.add(SearchRecordsParam.criteria, criteria)
    found = records_of(leads.search_records(params), "search by criteria").get_data()
    check([str(r.get_id()) for r in found] == [str(new_id)], "search by escaped criteria finds the new lead")
    params = ParameterMap()
    params.add(SearchRecordsParam.email, "nobody@nowhere.example")
    response = leads.search_records(params)
    check(response is not None and response.get_status_code() == 204, "search without match: 204")
    # An unescaped comma in an equals value is refused (zoho-api.md §2.8 escaping rule 1).
    params = ParameterMap()
    params.add(SearchRecordsParam.criteria, "(Company:equals:Jai Hind College, Mumbai)")
    response = leads.search_records(params)
    error = response.get_object() if response is not None else None
    check(response is not None and response.get_status_code() == 400 and isinstance(error, APIException)
          and error.get_code().get_value() == "INVALID_QUERY", "unescaped comma: 400 INVALID_QUERY")

    check_owner_assignment(leads)

    # Another owner's lead: request-level NO_PERMISSION parsed as APIException.
    response = leads.get_record(int(foreign_lead_id(my_id)))
    check(response is not None and response.get_status_code() == 403, "foreign lead: 403")
    error = response.get_object()
    check(isinstance(error, APIException) and error.get_code().get_value() == "NO_PERMISSION", "foreign lead: NO_PERMISSION")

    # Delete.
    action_success(leads.delete_record(int(new_id)), "delete Lead", (200,))
    response = leads.get_record(int(new_id))
    check(response is not None and response.get_status_code() == 204, "deleted lead: 204")

    check_modules_and_fields()
    check_courses_and_deals(my_id)
    check_coql(my_id)

    check_credits_header(leads)

    # Refresh-token flow: a fresh SDK state that only knows the refresh token.
    refresh_token = token.get_refresh_token()
    refresh_store = FileStore(file_path=os.path.join(WORK_DIR, "sdk_tokens_refresh.csv"))
    by_refresh = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=refresh_token)
    Initializer.initialize(environment=environment(), token=by_refresh, store=refresh_store, sdk_config=config,
                           resource_path=WORK_DIR, logger=logger)
    check(by_refresh.get_access_token() not in (None, token.get_access_token()), "refresh grant gave a new access token")
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Last_Name")
    params.add(GetRecordsParam.per_page, 1)
    records_of(leads.get_records(params), "list after refresh")

    # Revoke the refresh token with the SDK's own HTTP code (`OAuthToken.revoke(id)` cannot find a
    # FileStore row by id alone in 7.0.0, an SDK quirk unrelated to the server); its access tokens
    # stop working (zoho-api.md §1.7).
    check(OAuthToken.revoke_refresh_token(refresh_token, TOKEN_URL + "/revoke") is True, "revoke: status success")
    check(OAuthToken.revoke_refresh_token(refresh_token, TOKEN_URL + "/revoke") is False, "revoke again: failure")
    response = leads.get_records(params)
    check(response is not None and response.get_status_code() == 401, "after revoke: 401")
    error = response.get_object()
    check(isinstance(error, APIException) and error.get_code().get_value() == "INVALID_TOKEN", "after revoke: INVALID_TOKEN")

    check_credits_run_out(config, logger)

    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # any SDK exception or wrong result fails the check
        traceback.print_exc()
        log = os.path.join(WORK_DIR, "sdk.log")
        if os.path.exists(log):
            print("---- last SDK log lines ----", file=sys.stderr)
            with open(log) as handle:
                print("".join(handle.readlines()[-40:]), file=sys.stderr)
        print(f"{passed} passed, 1 failed")
        sys.exit(1)
