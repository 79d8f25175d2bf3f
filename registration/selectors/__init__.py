"""Reads of registration (scoped to the user): applications and queues (registration), eligibility against the reference
lists (eligibility), the holder's quota figures (quota). Import from the submodules."""
