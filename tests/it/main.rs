//! All integration tests, in one binary: storage contracts on SQLite and PostgreSQL, HTTP against a
//! real server on 127.0.0.1:0, the command line, and a browser test in headless Chromium.
//! PostgreSQL and ChromeDriver are started by `scripts/test`, which exports their addresses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod audit_chain;
mod bounds;
mod browser;
mod caches;
mod care;
mod chain;
mod cli;
mod crash;
mod demo_current;
mod distributed;
mod emergency;
mod exports;
mod family;
mod hardening;
mod hotline;
mod http;
mod import;
mod kinds;
mod landing;
mod limits;
mod linkage;
mod matrix;
mod mediation;
mod network;
mod offline;
mod opinion;
mod outbound;
mod period;
mod reach;
mod reads;
mod replica;
mod report;
mod risk;
mod safe;
mod screening;
mod sealing;
mod storage;
mod supervision;
mod support;
mod tables;
mod tallies;
mod typical;
mod volunteer;
mod worklist;
mod year_tally;
