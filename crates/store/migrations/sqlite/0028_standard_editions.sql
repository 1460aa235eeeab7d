-- Editions of the judgement standards. A checklist template records the edition of the standard
-- it carries, the day that edition came into force and, once replaced, its last day and what
-- replaced it: an inspection is judged by the edition in force on its day, so an edition whose
-- last day is before the inspection cannot be used or cited. Composite elements (GB 35181
-- 综合判定要素) are marked on their items: they are counted at sign-off, not hazards alone.
-- An inspection keeps which items fit the enterprise were left out, and whether the inspector
-- chose to list every item.

ALTER TABLE checklist_templates ADD COLUMN edition TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_templates ADD COLUMN effective_on TEXT;
ALTER TABLE checklist_templates ADD COLUMN ends_on TEXT;
ALTER TABLE checklist_templates ADD COLUMN successor TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN composite INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inspections ADD COLUMN all_items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inspections ADD COLUMN items_left_out INTEGER NOT NULL DEFAULT 0;

-- The shipped standards loaded before editions were recorded (the same values as
-- SHIPPED_STANDARDS in crates/store/src/inspections/templates.rs; sources in data/standards/README.md).
UPDATE checklist_templates SET edition = '应急管理部令第10号', effective_on = '2023-05-15'
    WHERE standard_key = 'gongmao-2023' AND owner_org_id IS NULL;
UPDATE checklist_templates SET edition = '安监总管三〔2017〕121号'
    WHERE standard_key IN ('huagong-2017', 'yanhua-baozhu-2017') AND owner_org_id IS NULL;
UPDATE checklist_templates SET edition = '建质规〔2022〕2号', effective_on = '2022-04-19',
    ends_on = '2024-12-12', successor = '建质规〔2024〕5号'
    WHERE standard_key = 'fangwu-shizheng-2022' AND owner_org_id IS NULL;
UPDATE checklist_templates SET edition = '建质规〔2024〕5号', effective_on = '2024-12-13'
    WHERE standard_key = 'fangwu-shizheng-2024' AND owner_org_id IS NULL;
UPDATE checklist_templates SET edition = 'GB 35181-2017', effective_on = '2018-07-01',
    ends_on = '2025-10-31', successor = 'GB 35181-2025'
    WHERE standard_key = 'zhongda-huozai-gb35181' AND owner_org_id IS NULL;
-- In GB 35181 every item that was not a direct major hazard is a chapter-7 composite element.
UPDATE checklist_items SET composite = 1 WHERE major = 0 AND template_id IN
    (SELECT id FROM checklist_templates WHERE standard_key = 'zhongda-huozai-gb35181' AND owner_org_id IS NULL);
