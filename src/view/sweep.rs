//! The sweep page: a `tokensim check` report at a glance. Everything is drawn here, as
//! static HTML and SVG; the page's small script only filters the table and copies commands.

use super::html::{escape, page_start, seconds};
use super::words::{probe_words, property_words};
use crate::check::{Property, Violation};
use crate::explore::sweep::{SeedRange, SweepReport};
use crate::vocab::LatencyHistogram;
use std::fmt::Write as _;

/// The sweep page's script.
const SWEEP_SCRIPT: &str = include_str!("assets/sweep.js");

/// The table lists at most this many failing seeds; the JSON report has them all.
const ROWS_MAX: usize = 2000;

/// The page of a sweep `report`. `links` gives, for some failing seeds, the address (relative
/// to this page, such as `sweep-seed-6.html`) of that seed's own run page.
pub fn sweep_page(report: &SweepReport, links: &[(u64, String)]) -> String {
    let mut out = String::with_capacity(32_768 + report.failures.len() * 600);
    let verdict = if report.passed() { "PASS" } else { "FAIL" };
    let ranges: Vec<String> = report.ranges.iter().map(ToString::to_string).collect();
    let ranges = if ranges.is_empty() { "none".to_string() } else { ranges.join(" ") };
    let swarm = if report.swarm { " (swarm: each seed draws its own world)" } else { "" };
    let title = format!("{verdict} · sweep of {} seeds {ranges} · tokensim", report.scenario);
    page_start(&mut out, &title, "sweep-page");
    let _ = write!(
        out,
        "<header id=\"top\">\n<div class=\"headline\"><span class=\"verdict {}\" id=\"verdict\">{verdict}</span>\
         <h1>Sweep of {}</h1><span class=\"facts\">seeds <b>{}</b>{}</span></div>\n</header>\n",
        verdict.to_lowercase(),
        escape(&report.scenario),
        escape(&ranges),
        escape(swarm)
    );
    cards(&mut out, report);
    out.push_str("<div class=\"panels\">\n");
    properties(&mut out, report);
    latency(&mut out, &report.latency_us);
    probes(&mut out, report);
    out.push_str("</div>\n");
    failures(&mut out, report, links);
    let _ = write!(out, "<script>\n{SWEEP_SCRIPT}</script>\n</body>\n</html>\n");
    out
}

fn cards(out: &mut String, report: &SweepReport) {
    let percent = |part: u64| (part * 1000).checked_div(report.seeds_run).unwrap_or(0);
    let failed_permille = percent(report.seeds_failed);
    let _ = writeln!(
        out,
        "<section class=\"cards\">\
         <div class=\"card\"><span class=\"number\" id=\"seeds-run\">{}</span> seeds run</div>\
         <div class=\"card ok\"><span class=\"number\" id=\"seeds-passed\">{}</span> passed</div>\
         <div class=\"card {}\"><span class=\"number\" id=\"seeds-failed\">{}</span> failed ({}.{}%)</div>\
         <div class=\"card\"><span class=\"number\">{}</span> requests</div>\
         <div class=\"card\"><span class=\"number\">{}</span> role changes</div>\
         </section>",
        report.seeds_run,
        report.seeds_passed,
        if report.seeds_failed > 0 { "bad" } else { "ok" },
        report.seeds_failed,
        failed_permille / 10,
        failed_permille % 10,
        report.requests,
        report.role_changes,
    );
    // Where in the seed range the failures are: a strip with a mark per failing seed.
    let total: u64 = report.ranges.iter().map(SeedRange::len).sum();
    if total == 0 {
        return;
    }
    let width = 1000u64;
    out.push_str("<section class=\"strip\"><h3>Failing seeds along the range</h3>");
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {width} 24\" preserveAspectRatio=\"none\" class=\"seed-strip\" role=\"img\" \
         aria-label=\"failing seeds along the range\"><rect x=\"0\" y=\"0\" width=\"{width}\" height=\"24\" class=\"strip-ok\"/>"
    );
    for failure in &report.failures {
        if let Some(position) = position_in(&report.ranges, failure.seed) {
            let x = position * width / total;
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"0\" width=\"2\" height=\"24\" class=\"strip-fail\"><title>seed {}</title></rect>",
                failure.seed
            );
        }
    }
    out.push_str("</svg></section>\n");
}

/// The seed's position among all the seeds of `ranges`, from 0.
fn position_in(ranges: &[SeedRange], seed: u64) -> Option<u64> {
    let mut before = 0;
    for range in ranges {
        if (range.start..range.end).contains(&seed) {
            return Some(before + seed - range.start);
        }
        before += range.len();
    }
    None
}

fn properties(out: &mut String, report: &SweepReport) {
    out.push_str("<section class=\"panel\" id=\"by-property\"><h3>Violations by property</h3>\n");
    if report.violations_by_property.is_empty() {
        out.push_str("<p>No property was broken.</p></section>\n");
        return;
    }
    let most = report.violations_by_property.values().copied().max().unwrap_or(1).max(1);
    // Seeds that broke each property (the counts above are violations, several per seed).
    let seeds_of =
        |name: &str| report.failures.iter().filter(|f| f.violations.iter().any(|v| v.property.name() == name)).count();
    out.push_str("<table class=\"bars\">");
    for (name, &count) in &report.violations_by_property {
        let words = name.parse::<Property>().map(|p| property_words(p).0).unwrap_or("");
        let width = count * 100 / most;
        let _ = write!(
            out,
            "<tr class=\"property\" data-property=\"{name}\" title=\"Click: show only seeds that broke it\">\
             <th><code>{name}</code><br><span class=\"words\">{}</span></th>\
             <td class=\"bar-cell\"><div class=\"bar\" style=\"width:{width}%\"></div></td><td class=\"num\">{count} \
             <span class=\"words\">in {} seeds</span></td></tr>",
            escape(words),
            seeds_of(name),
            name = escape(name),
        );
    }
    out.push_str("</table></section>\n");
}

/// The coverage probes: each rare path of the protocol with how many seeds took it, those
/// no seed took flagged (a sweep that never reaches a path tests nothing there).
fn probes(out: &mut String, report: &SweepReport) {
    out.push_str("<section class=\"panel\" id=\"probes\"><h3>Rare paths taken (coverage probes)</h3>\n");
    if report.probe_seeds.is_empty() {
        out.push_str("<p>No coverage data: the report comes from an older tokensim.</p></section>\n");
        return;
    }
    let never: Vec<&str> =
        report.probe_seeds.iter().filter(|(_, &seeds)| seeds == 0).map(|(name, _)| name.as_str()).collect();
    let taken = report.probe_seeds.len() - never.len();
    let _ = write!(
        out,
        "<p id=\"probe-summary\">{taken} of {} rare paths taken by at least one of {} seeds",
        report.probe_seeds.len(),
        report.seeds_run
    );
    match never.len() {
        0 => out.push_str(".</p>\n"),
        n => {
            let _ =
                writeln!(out, "; <span class=\"bad-text\">{n} never</span>: no seed of this sweep reaches them.</p>");
        }
    }
    let most = report.probe_seeds.values().copied().max().unwrap_or(1).max(1);
    out.push_str("<table class=\"bars\">");
    for (name, &seeds) in &report.probe_seeds {
        let width = seeds * 100 / most;
        let (class, count) = match seeds {
            0 => (" never", "never".to_string()),
            _ => ("", format!("{seeds} <span class=\"words\">of {} seeds</span>", report.seeds_run)),
        };
        let _ = write!(
            out,
            "<tr class=\"probe{class}\" data-probe=\"{name}\" data-seeds=\"{seeds}\"><th><code>{name}</code><br>\
             <span class=\"words\">{}</span></th><td class=\"bar-cell\"><div class=\"bar\" style=\"width:{width}%\"></div>\
             </td><td class=\"num\">{count}</td></tr>",
            escape(probe_words(name).unwrap_or("")),
            name = escape(name),
        );
    }
    out.push_str("</table></section>\n");
}

fn latency(out: &mut String, histogram: &LatencyHistogram) {
    out.push_str("<section class=\"panel\" id=\"latency\"><h3>Request latency, start to answer (simulated)</h3>\n");
    let total = histogram.total();
    if total == 0 {
        out.push_str(
            "<p>No latency data: no request was answered, or the report comes from an older tokensim.</p></section>\n",
        );
        return;
    }
    let buckets: Vec<_> = histogram.buckets().collect();
    // Only the span of buckets that hold something, so the bars are not lost in empty ones.
    let first = buckets.iter().position(|b| b.count > 0).unwrap_or(0);
    let last = buckets.iter().rposition(|b| b.count > 0).unwrap_or(0);
    let shown = &buckets[first..=last];
    let most = shown.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    let (bar, gap, height) = (56u64, 8u64, 160u64);
    let width = shown.len() as u64 * (bar + gap) + gap;
    let _ = write!(
        out,
        "<svg class=\"histogram\" viewBox=\"0 0 {width} {}\" width=\"{width}\" role=\"img\" aria-label=\"latency histogram\">",
        height + 44
    );
    for (i, bucket) in shown.iter().enumerate() {
        let x = gap + i as u64 * (bar + gap);
        let h = if bucket.count == 0 { 0 } else { (bucket.count * height / most).max(2) };
        let label = match bucket.below_us {
            Some(below) => format!("< {}", duration(below)),
            None => format!("≥ {}", duration(bucket.from_us)),
        };
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" class=\"hbar\"><title>{} to {}: {} requests</title></rect>\
             <text x=\"{}\" y=\"{}\" class=\"hcount\">{}</text><text x=\"{}\" y=\"{}\" class=\"hlabel\">{}</text>",
            height + 14 - h,
            duration(bucket.from_us),
            bucket.below_us.map_or_else(|| "longer".to_string(), duration),
            bucket.count,
            x + bar / 2,
            height + 10 - h,
            bucket.count,
            x + bar / 2,
            height + 32,
            escape(&label),
        );
    }
    out.push_str("</svg>\n<p class=\"percentiles\">");
    for percent in [50, 90, 99] {
        if let Some(bucket) = histogram.percentile(percent) {
            let upper = bucket.below_us.map_or_else(|| "longer".to_string(), duration);
            let _ = write!(out, "p{percent} between {} and {upper} · ", duration(bucket.from_us));
        }
    }
    let _ = writeln!(out, "{total} answered requests</p></section>");
}

/// `250 µs`, `5 ms`, `2 s`: a bucket bound in simulated time.
fn duration(us: u64) -> String {
    if us >= 1_000_000 {
        // Bounds are round: at most three decimals, trailing zeros trimmed.
        let text = seconds(us, 3);
        format!("{} s", text.trim_end_matches(" s").trim_end_matches('0').trim_end_matches('.'))
    } else if us >= 1_000 && us % 1_000 == 0 {
        format!("{} ms", us / 1_000)
    } else {
        format!("{us} µs")
    }
}

fn failures(out: &mut String, report: &SweepReport, links: &[(u64, String)]) {
    out.push_str("<section id=\"failures\" class=\"failures\"><h3>Failing seeds</h3>\n");
    if report.failures.is_empty() {
        out.push_str("<p>Every seed passed.</p></section>\n");
        return;
    }
    let _ = write!(
        out,
        "<p class=\"hint\">Each command reruns its seed alone; add <code>--html FILE</code> to draw it. \
         <span id=\"filter-note\"></span></p>\n<table class=\"seeds\"><thead><tr><th>seed</th><th>what broke</th>\
         <th>reproduce with</th><th>diagram</th></tr></thead><tbody>\n"
    );
    for failure in report.failures.iter().take(ROWS_MAX) {
        let mut names: Vec<&str> = failure.violations.iter().map(|v| v.property.name()).collect();
        names.sort_unstable();
        names.dedup();
        let _ = write!(
            out,
            "<tr class=\"failure\" data-seed=\"{}\" data-properties=\"{}\"><td class=\"num\">{}</td><td>",
            failure.seed,
            names.join(" "),
            failure.seed
        );
        // The same finding is often reported several times (once per server that saw it).
        let mut distinct: Vec<(&Violation, usize)> = Vec::new();
        for violation in &failure.violations {
            match distinct
                .iter_mut()
                .find(|(seen, _)| (seen.property, &seen.detail) == (violation.property, &violation.detail))
            {
                Some((_, count)) => *count += 1,
                None => distinct.push((violation, 1)),
            }
        }
        for (violation, count) in distinct.iter().take(3) {
            let times = if *count > 1 { format!(" <span class=\"words\">×{count}</span>") } else { String::new() };
            let _ = write!(
                out,
                "<div><code>{}</code> {}{times}</div>",
                escape(violation.property.name()),
                escape(&violation.detail)
            );
        }
        if distinct.len() > 3 {
            let _ = write!(out, "<div class=\"words\">and {} more</div>", distinct.len() - 3);
        }
        let _ = write!(
            out,
            "</td><td><code class=\"command\">{}</code> <button type=\"button\" class=\"copy\">copy</button></td><td>",
            escape(&failure.reproduce)
        );
        match links.iter().find(|(seed, _)| *seed == failure.seed) {
            Some((_, href)) => {
                let _ = write!(out, "<a class=\"diagram\" href=\"{}\">run page</a>", escape(href));
            }
            None => out.push('—'),
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table>\n");
    if report.failures.len() > ROWS_MAX {
        let _ = writeln!(
            out,
            "<p class=\"note\">The first {ROWS_MAX} of {} failing seeds are listed; `tokensim check --json` lists all.</p>",
            report.failures.len()
        );
    }
    if links.len() < report.failures.len() {
        let _ = writeln!(
            out,
            "<p class=\"hint\">Run pages are written for the first {} failing seeds; the reproduce command with \
             <code>--html FILE</code> draws any other.</p>",
            super::DIAGRAMS_MAX
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(100), "100 µs");
        assert_eq!(duration(5_000), "5 ms");
        assert_eq!(duration(2_000_000), "2 s");
        assert_eq!(duration(1_500_000), "1.5 s");
    }

    #[test]
    fn seeds_are_placed_across_several_ranges() {
        let ranges = [SeedRange { start: 0, end: 10 }, SeedRange { start: 100, end: 110 }];
        assert_eq!(position_in(&ranges, 5), Some(5));
        assert_eq!(position_in(&ranges, 105), Some(15));
        assert_eq!(position_in(&ranges, 50), None);
    }
}
