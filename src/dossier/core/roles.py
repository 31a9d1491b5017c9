"""Roles and the permissions each one grants. The single place that says who may do what."""

ADMIN, MANAGER, SALES, SERVICE, MARKETING, ANALYST = (
    "admin",
    "manager",
    "sales",
    "service",
    "marketing",
    "analyst",
)
ROLES = [ADMIN, MANAGER, SALES, SERVICE, MARKETING, ANALYST]

ROLE_LABELS = {
    ADMIN: ("管理员", "Administrator"),
    MANAGER: ("主管", "Manager"),
    SALES: ("销售", "Sales"),
    SERVICE: ("客服", "Service"),
    MARKETING: ("市场", "Marketing"),
    ANALYST: ("分析师", "Analyst"),
}

_WORK_WITH_CUSTOMERS = [
    "consent.manage_consent",
    "customers.view_customer",
    "customers.add_customer",
    "customers.change_customer",
    "customers.view_personal_customer",
    "customers.view_tag",
    "templates.view_template",
]
_TEMPLATE_EDITING = [
    "templates.add_template",
    "templates.change_template",
    "templates.publish_template",
    "templates.migrate_template",
]
_TAG_EDITING = ["customers.add_tag", "customers.change_tag", "customers.delete_tag"]
#: surveys' questions are no one's personal data: every role may read them
_SURVEY_READING = ["feedback.view_survey"]
_SURVEY_EDITING = ["feedback.add_survey"]
#: keeping webhook subscriptions (integrations); the payloads follow the keeper's own view
_WEBHOOKS = ["webhooks.manage_subscription"]
#: recording orders and moving them along; refunds and returns apart (after-sales, managers);
#: the product catalogue is read by every signed-in user and edited by managers
_ORDER_WORK = ["orders.add_order", "orders.change_order"]
_ORDER_REFUNDS = ["orders.refund_order"]
_CATALOGUE_EDITING = ["orders.add_product", "orders.change_product"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # admin gets every permission of Dossier's apps (see accounts.services.ensure_roles)
    ADMIN: [],
    MANAGER: [
        *_WORK_WITH_CUSTOMERS,
        *_TEMPLATE_EDITING,
        *_TAG_EDITING,
        "customers.delete_customer",
        "customers.reveal_customer",
        "customers.export_customer",
        "audit.view_auditevent",
        "privacy.handle_subjectrequest",
        "privacy.erase_customer",
        *_SURVEY_READING,
        *_SURVEY_EDITING,
        *_WEBHOOKS,
    ],
    SALES: [*_WORK_WITH_CUSTOMERS, *_SURVEY_READING],
    SERVICE: [*_WORK_WITH_CUSTOMERS, *_SURVEY_READING],
    # marketing works with segments: sees customers, masked, cannot edit their facts
    MARKETING: [
        "customers.view_customer",
        "customers.view_tag",
        *_TAG_EDITING,
        "customers.export_customer",
        "templates.view_template",
        *_SURVEY_READING,
    ],
    # analysts see aggregates only, never a customer's personal data
    ANALYST: ["templates.view_template", *_SURVEY_READING],
}

# The sales pipeline (issue 13): sales and managers work opportunities, service sees them;
# marketing and analysts do not see them.
_PIPELINE_SEE = ["pipeline.view_opportunity", "pipeline.view_stage"]
_PIPELINE_WORK = ["pipeline.add_opportunity", "pipeline.change_opportunity"]
# Campaigns: marketing (and managers) create and run them; sales and service see them and
# the members they may see; analysts see campaigns with their counts only, never members.
_CAMPAIGN_COUNTS = ["campaigns.view_campaign"]
_CAMPAIGN_SEE = [*_CAMPAIGN_COUNTS, "campaigns.view_campaignmember"]
_CAMPAIGN_RUN = [
    *_CAMPAIGN_SEE,
    "campaigns.add_campaign",
    "campaigns.change_campaign",
    "campaigns.add_campaignmember",
    "campaigns.change_campaignmember",
]
for _role, _extra in {
    MANAGER: [*_PIPELINE_SEE, *_PIPELINE_WORK, *_CAMPAIGN_RUN],
    SALES: [*_PIPELINE_SEE, *_PIPELINE_WORK, *_CAMPAIGN_SEE],
    SERVICE: [*_PIPELINE_SEE, *_CAMPAIGN_SEE],
    MARKETING: _CAMPAIGN_RUN,
    ANALYST: _CAMPAIGN_COUNTS,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]
# orders (issue 13)
ROLE_PERMISSIONS[MANAGER] = [
    *ROLE_PERMISSIONS[MANAGER],
    *_ORDER_WORK,
    *_ORDER_REFUNDS,
    *_CATALOGUE_EDITING,
]
ROLE_PERMISSIONS[SALES] = [*ROLE_PERMISSIONS[SALES], *_ORDER_WORK]
ROLE_PERMISSIONS[SERVICE] = [*ROLE_PERMISSIONS[SERVICE], *_ORDER_WORK, *_ORDER_REFUNDS]
# loyalty (issue 16): those who see a customer see their points and coupons; front-line roles
# redeem them; only managers adjust points by hand; marketing (and managers) run coupon
# campaigns; analysts see campaigns, tiers and the programme, never a customer's points.
# The programme's settings and tiers are the administrators' (every permission of the app).
_LOYALTY_OVERVIEW = ["loyalty.view_couponcampaign", "loyalty.view_tier", "loyalty.view_programme"]
_LOYALTY_SEE = [*_LOYALTY_OVERVIEW, "loyalty.view_pointsentry", "loyalty.view_coupon"]
_LOYALTY_REDEEM = ["loyalty.redeem_points", "loyalty.redeem_coupon"]
_LOYALTY_ADJUST = ["loyalty.adjust_points"]
_COUPON_CAMPAIGNS = ["loyalty.add_couponcampaign", "loyalty.add_coupon"]
for _role, _extra in {
    MANAGER: [*_LOYALTY_SEE, *_LOYALTY_REDEEM, *_LOYALTY_ADJUST, *_COUPON_CAMPAIGNS],
    SALES: [*_LOYALTY_SEE, *_LOYALTY_REDEEM],
    SERVICE: [*_LOYALTY_SEE, *_LOYALTY_REDEEM],
    MARKETING: [*_LOYALTY_SEE, *_COUPON_CAMPAIGNS],
    ANALYST: _LOYALTY_OVERVIEW,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]

# segments (issue 16): every role builds and counts its own; analysts count over everyone
# but see counts only (insights.selectors), never the customers of a segment
_SEGMENTS = [
    "insights.view_segment",
    "insights.add_segment",
    "insights.change_segment",
    "insights.delete_segment",
]
for _role in (MANAGER, SALES, SERVICE, MARKETING, ANALYST):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_SEGMENTS]
# the reports: analysts (small groups hidden), managers (their reach), administrators
for _role in (MANAGER, ANALYST):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], "insights.view_report"]
# grade thresholds per scenario: managers and administrators set them (analysts read grades)
ROLE_PERMISSIONS[MANAGER] = [
    *ROLE_PERMISSIONS[MANAGER],
    "insights.view_gradethresholds",
    "insights.change_gradethresholds",
]

# self-service update campaigns (issue 18): managers and marketing prepare and follow them;
# sending issues self-service links, which privacy lets managers and administrators do
_OUTREACH = [
    "outreach.view_updatecampaign",
    "outreach.add_updatecampaign",
    "outreach.change_updatecampaign",
]
for _role in (MANAGER, MARKETING):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_OUTREACH]

#: The template scenarios a role works in (PIPL's "minimum necessary"): its members see and
#: create only customers on templates of these scenarios. Roles not listed see every scenario.
ROLE_SCENARIOS: dict[str, list[str]] = {
    SALES: ["sales", "b2b_account", "real_estate", "financial", "retail_member", "other"],
    SERVICE: ["after_sales", "retail_member", "b2b_account", "other"],
    MARKETING: ["marketing", "retail_member", "other"],
}

ADMIN_APPS = [
    "accounts",
    "audit",
    "customers",
    "templates",
    "privacy",
    "consent",
    "interactions",
    "feedback",
    "webhooks",
    "pipeline",
    "campaigns",
    "orders",
    "loyalty",
    "insights",
    "outreach",
]

#: Identifier types by which a role finds customers of *any* owner (not only its own and those
#: shared with it), still only within its scenarios: a service desk takes calls from everyone's
#: customers and must find the caller by the number they call from. Only an exact value finds
#: (never a name or part of a number); what is found shows masked except the value typed, and
#: every such find is written to the audit log.
FIND_ANY_OWNER_BY: dict[str, list[str]] = {SERVICE: ["phone"]}
