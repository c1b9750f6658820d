"""Widgets and screens: they render state and dispatch actions; engine work runs in workers."""
