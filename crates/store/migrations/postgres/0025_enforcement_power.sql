-- Administrative enforcement power (行政执法权) in work safety. A regulator holds it by law
-- (安全生产法 第十条, 第六十五条); a street office holds it only where the province delegated it
-- under the 综合执法 reform (安全生产法 第九条: "按照授权依法履行"). The administrator records
-- that delegation per office, with the document that made it.
ALTER TABLE organizations ADD COLUMN delegated_enforcement BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN delegated_enforcement_basis TEXT NOT NULL DEFAULT '';

-- Which document a signed-off inspection issued: a 责令限期整改指令书 (directive) from an office
-- with enforcement power, a 隐患整改通知书 (rectification_notice) from one without. Decided when
-- the notice is numbered and never recomputed. Every notice issued before this column existed
-- was printed as a 指令书, and stays one.
ALTER TABLE inspections ADD COLUMN notice_kind TEXT
    CHECK (notice_kind IS NULL OR notice_kind IN ('directive', 'rectification_notice'));
UPDATE inspections SET notice_kind = 'directive' WHERE notice_number IS NOT NULL;
