-- Listings for supervision (挂牌督办) as a history: each listing is a row — who listed, for
-- which office, at which level (区级, 市级…), the letter's date and number, when — and the
-- hazard's current listing (hazards.listing_org_id, listing_json: the acceptance rule and the
-- tallies read it) is the latest row. Listing again at a higher level adds a row instead of
-- overwriting the earlier one.
CREATE TABLE hazard_listings (
    id                INTEGER PRIMARY KEY,
    hazard_id         INTEGER NOT NULL REFERENCES hazards(id),
    jurisdiction_code TEXT NOT NULL,
    office_org_id     INTEGER NOT NULL REFERENCES organizations(id),
    office_name       TEXT NOT NULL,
    level             TEXT NOT NULL,
    listed_on         TEXT NOT NULL,
    letter_number     TEXT NOT NULL,
    listed_by         INTEGER REFERENCES users(id),
    listed_by_name    TEXT NOT NULL DEFAULT '',
    listed_at         TEXT NOT NULL
);
CREATE INDEX hazard_listings_hazard ON hazard_listings(hazard_id, id);

-- Earlier listings, overwritten on the hazard's row, are each in the audit log with who
-- made them and when: the history is rebuilt from there, oldest first.
INSERT INTO hazard_listings (hazard_id, jurisdiction_code, office_org_id, office_name, level,
    listed_on, letter_number, listed_by, listed_by_name, listed_at)
SELECT h.id, h.jurisdiction_code,
    json_extract(a.after_json, '$.office_org_id'), json_extract(a.after_json, '$.office_name'),
    json_extract(a.after_json, '$.level'), json_extract(a.after_json, '$.date'),
    json_extract(a.after_json, '$.letter_number'),
    u.id, COALESCE(u.display_name, a.actor), a.at
FROM audit_log a
JOIN hazards h ON CAST(h.id AS TEXT) = a.entity_id
LEFT JOIN users u ON u.id = a.actor_id
WHERE a.entity = 'hazard' AND a.action = 'hazard.list_supervision'
    AND json_valid(a.after_json)
    AND json_extract(a.after_json, '$.office_org_id') IS NOT NULL
ORDER BY a.seq;

-- A listing with no audit entry (written before listings were audited, or by a tool) is
-- kept as it stands on the row; who made it is not known.
INSERT INTO hazard_listings (hazard_id, jurisdiction_code, office_org_id, office_name, level,
    listed_on, letter_number, listed_by, listed_by_name, listed_at)
SELECT h.id, h.jurisdiction_code,
    COALESCE(h.listing_org_id, json_extract(h.listing_json, '$.office_org_id')),
    COALESCE(json_extract(h.listing_json, '$.office_name'), ''),
    COALESCE(json_extract(h.listing_json, '$.level'), ''),
    COALESCE(json_extract(h.listing_json, '$.date'), ''),
    COALESCE(json_extract(h.listing_json, '$.letter_number'), ''),
    NULL, '', h.updated_at
FROM hazards h
WHERE h.listing_json IS NOT NULL AND json_valid(h.listing_json)
    AND COALESCE(h.listing_org_id, json_extract(h.listing_json, '$.office_org_id')) IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM hazard_listings l WHERE l.hazard_id = h.id)
ORDER BY h.id;
