"""Every page path of the app, in one place."""
LOGIN = "/login"
DASHBOARD = "/"
PLANTS = "/plants"
PLANT = "/plants/[plant_id]"
WORK_ORDERS = "/work-orders"
WORK_ORDER = "/work-orders/[wo_id]"
MY_WORK = "/my-work"
ALERTS = "/alerts"
VENDORS = "/vendors"
ADMIN_ORGS = "/admin/organizations"
ADMIN_ACCOUNTS = "/admin/accounts"
ADMIN_AUDIT = "/admin/audit"
NOTIFICATIONS = "/settings/notifications"


def plant(plant_id: int | str) -> str:
    return f"/plants/{plant_id}"


def work_order(wo_id: int | str) -> str:
    return f"/work-orders/{wo_id}"
