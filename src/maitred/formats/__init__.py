"""Files that travel between systems: floor plans and bookings (DESIGN §8). Pure parsing."""
