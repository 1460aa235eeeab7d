//! One integration-test binary: every test starts the real server on an ephemeral port over a
//! fresh database — a SQLite file by default, a fresh PostgreSQL database when
//! `HAZARDNET_TEST_PG` names a server — and speaks HTTP to it.

mod accounts;
mod audit;
mod auth;
mod bulletin;
mod campaigns;
mod enterprises;
mod hazard_corrections;
mod hazards;
mod helpers;
mod home;
mod import;
mod inspections;
mod jobs;
mod listings;
mod pdf_layout;
mod scope_matrix;
mod search;
mod security;
mod standards;
mod ui;
