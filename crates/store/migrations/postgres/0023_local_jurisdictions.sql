-- Divisions an administrator adds below the shipped tree (a community the official table does
-- not list yet) are marked local until an official table confirms them; an import of the
-- official table clears the mark for the codes it carries.
ALTER TABLE jurisdictions ADD COLUMN local BIGINT NOT NULL DEFAULT 0;
