"""WOMS — Work Order Management System for solar fleets."""
