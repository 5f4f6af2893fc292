//! Runs and sweeps as pages to look at in a browser, one self-contained HTML file each.
//!
//! A run page ([`run_page`]) draws a lane per node over simulated time: requests as spans
//! from start to answer, messages as arrows from send to delivery (losses crossed out, with
//! their reason), faults and partitions shaded on their lanes, role changes where they
//! happen, and the checkers' violations in words at the top, their requests highlighted and
//! the view zoomed to them. A sweep page ([`sweep_page`]) shows a `tokensim check`: counts,
//! violations by property, the latency distribution, and each failing seed with its
//! reproduce command and a link to its own run page. `docs/VIEW.md` explains how to read them.
//!
//! The pages need no network: the style and a small plain-JavaScript renderer are inline,
//! and the run's data is embedded as compact JSON columns (see [`model`]). The script draws
//! only the visible time window, and aggregates messages into per-lane density when too
//! many would be visible, so runs of hundreds of thousands of events stay usable.
//!
//! The same input gives the byte-identical page: nothing here reads a clock or iterates a
//! hash map in an order that reaches the output.
//!
//! ```
//! use tokensim::scenario::Scenario;
//!
//! let mut scenario = Scenario::default_scenario();
//! scenario.random_workload_mut().requests = 20;
//! let (page, verdict) = tokensim::view::checked_run_page(&scenario, 7)?;
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! assert!(verdict.passed() && page.contains("PASS"));
//! # Ok::<(), tokensim::scenario::ScenarioError>(())
//! ```

mod faults;
mod files;
mod html;
pub mod model;
mod sweep;
mod words;

pub use faults::{scenario_troubles, TroubleKind, Unavailable};
pub use files::{
    checked_run_page, trace_file_page, trace_file_page_at, write_sweep_pages, PageFile, RunPageFile, ViewError,
    DIAGRAMS_MAX,
};
pub use model::{PageData, RunModel};
pub use sweep::sweep_page;

use crate::check::Violation;
use crate::trace::{TraceHeader, TraceRecord};

/// The page of one run: its trace (`header` and every record, in order) and the violations
/// the checkers found in it (empty for a run that passed).
///
/// For traces too long to hold in memory, fold records one at a time into a [`RunModel`]
/// instead (this function does just that).
pub fn run_page(header: &TraceHeader, records: &[TraceRecord], violations: &[Violation]) -> String {
    let mut model = RunModel::new(header);
    for record in records {
        model.add(record);
    }
    model.finish(Some(violations)).html()
}

impl PageData {
    /// The self-contained HTML page showing this data.
    pub fn html(&self) -> String {
        html::run_html(self)
    }
}
