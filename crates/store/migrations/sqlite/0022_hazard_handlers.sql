-- Who planned (confirmed with the plan or deadline) and who rectified (submitted, or fixed on
-- the spot) each hazard, beside reported_by: acceptance must be by someone else (four eyes).
-- NULL where not recorded, as for hazards handled before these columns existed.
ALTER TABLE hazards ADD COLUMN planned_by INTEGER REFERENCES users(id);
ALTER TABLE hazards ADD COLUMN rectified_by INTEGER REFERENCES users(id);
