//! Hostile inputs. Every file a user can hand the server for parsing (xlsx and CSV imports,
//! evidence uploads) is refused, or read correctly when harmless, within 2 s and 256 MB of
//! live heap — measured here, case by case, with a counting global allocator. The cases run
//! one at a time (`measure::serial`), since the counter is process-wide.
//!
//! `HAZARDNET_FUZZ_CASES` sets how many cases each property runs (docs/security.md).

mod books;
mod csv_files;
mod fuzz;
mod measure;
mod texts;
mod uploads;
mod workbooks;
