-- The home page's to-do counts run on every home load, so each reads a small index range:
-- the hazards a leader follows (包挂) and those an office listed (挂牌督办) are few, and only
-- they enter these partial indexes; extension requests pending a decision likewise; and the
-- hazards awaiting acceptance are found by who reported, planned or rectified them, so that
-- the ones a clerk may not accept himself (four eyes) are subtracted from the tallied count
-- without reading every awaiting hazard of a province (docs/performance.md).
CREATE INDEX hazards_followed ON hazards(leader_user_id, state) WHERE leader_user_id IS NOT NULL;
CREATE INDEX hazards_listed ON hazards(listing_org_id, state) WHERE listing_org_id IS NOT NULL;
CREATE INDEX hazards_pending_extension ON hazards(jurisdiction_code, industry_code, level)
    WHERE pending_extension_json IS NOT NULL;
CREATE INDEX hazards_awaiting_reporter ON hazards(reported_by) WHERE state = 'awaiting_acceptance';
CREATE INDEX hazards_awaiting_planner ON hazards(planned_by) WHERE state = 'awaiting_acceptance';
CREATE INDEX hazards_awaiting_rectifier ON hazards(rectified_by) WHERE state = 'awaiting_acceptance';
