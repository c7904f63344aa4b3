"""防返贫监测 in Django's admin: read-only views for support; writes go through the services."""
