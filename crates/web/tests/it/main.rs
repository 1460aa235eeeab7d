//! One integration-test binary: every test starts the real server on an ephemeral port over a
//! fresh database — a SQLite file by default, a fresh PostgreSQL database when
//! `HAZARDNET_TEST_PG` names a server — and speaks HTTP to it.

mod audit;
mod auth;
mod campaigns;
mod enterprises;
mod hazards;
mod helpers;
mod home;
mod import;
mod inspections;
mod jobs;
mod scope_matrix;
mod security;
mod ui;
