"""Small floors for tests."""

SMALL_FLOOR = """
restaurant: {name: %(name)s, timezone: Europe/London}
policy:
  services:
    - {name: lunch, start: "12:00", end: "15:00", allow_overrun: true}
    - {name: dinner, start: "17:00", end: "22:00"}
  buffer_minutes: 15
zones:
  - name: Main
    tables:
      - {label: T1, capacity: 2}
      - {label: T2, capacity: 2}
      - {label: T3, capacity: 4, min_party: 3, max_party: 4}
      - {label: B1, capacity: 6, mergeable: false}
    adjacency: [[T1, T2], [T2, T3]]
  - name: Patio
    tables:
      - {label: P1, capacity: 4}
"""
