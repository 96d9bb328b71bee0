"""The database layer: connections, tenant-scoped transactions, SQL, migrations, embedded server.

Only this package executes SQL.
"""
