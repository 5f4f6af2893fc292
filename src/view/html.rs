//! Assembling a self-contained page: escaped text, the embedded data, the inline style and
//! script. Nothing is fetched: the page works offline, from `file://`.

use super::model::{PageData, ViolationData};
use std::fmt::Write as _;

/// The style both pages share.
const STYLE: &str = include_str!("assets/view.css");
/// The run page's script.
const RUN_SCRIPT: &str = include_str!("assets/run.js");
/// Installed before anything else runs, so that even an error in the main script is shown
/// on the page (and seen by the browser tests), not only in a console nobody opens.
pub(super) const ERROR_CATCHER: &str = include_str!("assets/errors.js");

/// Escape `text` for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON made safe inside `<script type="application/json">`: `<`, `>` and `&` can only occur
/// inside JSON strings, where their `\u` escapes mean the same, and then no `</script>` or
/// `<!--` can end the element early.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// Simulated microseconds as seconds, `12.345678 s`, trimmed to `digits` decimals.
pub fn seconds(us: u64, digits: usize) -> String {
    let text = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
    let cut = text.len() - (6 - digits.min(6));
    let text = text[..cut].trim_end_matches('.');
    format!("{text} s")
}

/// The page's head and the start of its body, with `title` and the body's `class`.
pub(super) fn page_start(out: &mut String, title: &str, class: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"tokensim {}\">\n<title>{}</title>\n\
         <style>\n{STYLE}</style>\n<script>\n{ERROR_CATCHER}</script>\n</head>\n<body class=\"{class}\">\n",
        crate::trace::TOKENSIM_VERSION,
        escape(title)
    );
}

/// The run page for `data`.
pub fn run_html(data: &PageData) -> String {
    let json = serde_json::to_string(data).expect("page data serialises");
    let mut out = String::with_capacity(json.len() + STYLE.len() + RUN_SCRIPT.len() + 16_384);
    let run = &data.run;
    let verdict = run.verdict.to_uppercase();
    let title = format!("{verdict} · {} seed {} · tokensim", run.scenario, run.seed);
    page_start(&mut out, &title, "run-page");
    header(&mut out, data);
    if !data.violations.is_empty() {
        banner(&mut out, data);
    }
    out.push_str(CONTROLS);
    legend(&mut out);
    out.push_str(
        "<noscript><p class=\"note\">The diagram is drawn by JavaScript, which is off: the header and \
         the violation above are all this page can show without it.</p></noscript>\n",
    );
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"run-data\">{}</script>\n<script>\n{RUN_SCRIPT}</script>\n</body>\n</html>\n",
        script_json(&json)
    );
    out
}

fn header(out: &mut String, data: &PageData) {
    let run = &data.run;
    let verdict_class = match run.verdict.as_str() {
        "pass" => "pass",
        "fail" => "fail",
        _ => "unknown",
    };
    let _ = write!(
        out,
        "<header id=\"top\">\n<div class=\"headline\"><span class=\"verdict {verdict_class}\" id=\"verdict\">{}</span>\
         <h1>{}</h1><span class=\"facts\">seed <b>{}</b> · variant <b>{}</b> · {} nodes · {} requests · {} messages · \
         {} simulated · {} events · tokensim {}</span></div>\n",
        escape(&run.verdict.to_uppercase()),
        escape(&run.scenario),
        escape(&run.seed),
        escape(&run.variant),
        data.lanes.len(),
        data.reqs.lane.len(),
        data.msgs.t.len(),
        seconds(run.end, 3),
        run.events,
        escape(&run.tokensim),
    );
    if !run.description.is_empty() {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(&run.description));
    }
    if let Some(expected) = &run.expected {
        let _ = writeln!(
            out,
            "<p class=\"note\">This scenario is expected to break <code>{}</code>: it is a reproduction of a bug.</p>",
            escape(expected)
        );
    }
    for note in &run.notes {
        let _ = writeln!(out, "<p class=\"note warn\">{}</p>", escape(note));
    }
    out.push_str("</header>\n");
}

/// The violation in words, at the top: what broke, the checker's evidence, when, and which
/// requests (links that select them in the diagram).
fn banner(out: &mut String, data: &PageData) {
    let first = &data.violations[0];
    let total: u64 = data.violations.iter().map(|v| v.count).sum();
    out.push_str("<section id=\"banner\" class=\"banner\" role=\"alert\">\n");
    let _ = writeln!(out, "<h2><span class=\"sign\">!</span> {}</h2>", escape(&first.title));
    violation_body(out, first);
    if data.violations.len() > 1 {
        let _ = writeln!(
            out,
            "<details><summary>{} violations in all ({} different): show them</summary><ol>",
            total,
            data.violations.len()
        );
        for violation in &data.violations {
            out.push_str("<li>");
            let _ = write!(out, "<b>{}</b>", escape(&violation.title));
            if violation.count > 1 {
                let _ = write!(out, " <span class=\"count\">×{}</span>", violation.count);
            }
            violation_body(out, violation);
            out.push_str("</li>\n");
        }
        out.push_str("</ol></details>\n");
    }
    out.push_str("</section>\n");
}

fn violation_body(out: &mut String, violation: &ViolationData) {
    let _ = writeln!(out, "<p class=\"detail\">{}</p>", escape(&violation.detail));
    out.push_str("<p class=\"facts\">property <code>");
    out.push_str(&escape(&violation.property));
    out.push_str("</code>");
    if let Some(at) = violation.at {
        let _ = write!(out, " · shows at <a href=\"#\" class=\"at\" data-at=\"{at}\">{}</a>", seconds(at, 6));
    }
    if !violation.op_names.is_empty() {
        out.push_str(" · requests involved:");
        for (name, &index) in violation.op_names.iter().zip(&violation.ops) {
            if index >= 0 {
                let _ = write!(out, " <a href=\"#\" class=\"op\" data-op=\"{index}\">{}</a>", escape(name));
            } else {
                let _ = write!(out, " <span class=\"op missing\" title=\"not in this trace\">{}</span>", escape(name));
            }
        }
    }
    out.push_str("</p>\n");
    let _ = writeln!(out, "<p class=\"explain\">{}</p>", escape(&violation.explain));
}

/// The toolbar, the diagram's places, the tooltip and the details panel (filled by the script).
const CONTROLS: &str = r#"<div id="toolbar" class="toolbar">
<span class="group"><button type="button" id="zoom-out" title="Zoom out (-)">−</button><button type="button" id="zoom-in" title="Zoom in (+)">+</button><button type="button" id="zoom-fit" title="Show the whole run (0)">Whole run</button><button type="button" id="zoom-violation" title="Back to the violation (v)">Violation</button><button type="button" id="link-view" title="Put a link to this view in the address bar">Link</button><span id="window-text" class="window-text"></span></span>
<span class="group"><label>Nodes</label><span id="node-chips" class="chips"></span></span>
<span class="group"><label for="token-filter">Token</label><input id="token-filter" size="5" placeholder="t3" autocomplete="off"><label for="request-filter">Request</label><input id="request-filter" size="7" placeholder="n1#2" autocomplete="off"><button type="button" id="clear-filters">Clear filters</button></span>
<span class="group"><label><input type="checkbox" id="show-data" checked> reads/writes</label><label><input type="checkbox" id="show-reconfig" checked> reconfiguration</label><label><input type="checkbox" id="show-timers" checked> timers</label><label><input type="checkbox" id="losses-only"> losses only</label></span>
<span id="filter-problem" class="problem" role="status"></span>
</div>
<div id="overview" class="overview" title="The whole run: click or drag to move the window"></div>
<div id="plot" class="plot"><svg id="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Lanes, requests and messages over simulated time"></svg></div>
<div id="status" class="status"></div>
<div id="details" class="details" hidden></div>
<div id="tooltip" class="tooltip" hidden></div>
<pre id="js-errors" class="js-errors" hidden></pre>
<pre id="selftest-result" hidden></pre>
"#;

/// What every mark means. Static: it does not depend on the run.
fn legend(out: &mut String) {
    out.push_str(
        r#"<section id="legend" class="legend"><h3>How to read this</h3><ul>
<li><svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="lane-client"/></svg> client lane <svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="lane-server"/></svg> server lane (the shade changes where a role change makes the node a server or a client)</li>
<li><svg width="40" height="14"><rect x="1" y="2" width="38" height="10" class="req c0"/></svg> request from start to answer: ok <svg width="40" height="14"><rect x="1" y="2" width="38" height="10" class="req c1"/></svg> refused <svg width="40" height="14"><rect x="1" y="2" width="38" height="10" class="req c2"/></svg> role change <svg width="40" height="14"><rect x="1" y="2" width="38" height="10" class="req c3"/></svg> never answered; <svg width="40" height="14"><rect x="1" y="2" width="38" height="10" class="req c0 viol"/></svg> involved in the violation; a thin line before a span: waiting in the client's queue</li>
<li><svg width="44" height="14"><line x1="2" y1="12" x2="40" y2="2" class="m k0"/></svg> read, read reply <svg width="44" height="14"><line x1="2" y1="12" x2="40" y2="2" class="m k1"/></svg> write, write ack <svg width="44" height="14"><line x1="2" y1="12" x2="40" y2="2" class="m k2"/></svg> nack, rejected <svg width="44" height="14"><line x1="2" y1="12" x2="40" y2="2" class="m k3"/></svg> reconfiguration: an arrow from send to delivery</li>
<li><svg width="30" height="14"><line x1="2" y1="12" x2="18" y2="6" class="m k0"/><path d="M15 3l6 6m0-6l-6 6" class="x"/></svg> lost, with the reason on hover (omission at sender or receiver, link loss, partition) <svg width="44" height="14"><line x1="2" y1="12" x2="40" y2="2" class="m k0 f5"/></svg> still in flight at the end <svg width="44" height="14"><line x1="2" y1="12" x2="40" y2="2" class="m k0 dup"/></svg> a copy the network duplicated</li>
<li><svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="tr-omission"/></svg> omission fault <svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="tr-partition"/></svg> cut off by a partition <svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="tr-crash"/></svg> down <svg width="16" height="14"><circle cx="8" cy="7" r="3" class="timer"/></svg> timer fired <svg width="16" height="14"><line x1="8" y1="0" x2="8" y2="14" class="viol-line"/></svg> where the violation shows</li>
<li>Zoomed out, arrows become <svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="dens"/></svg> message density and <svg width="34" height="14"><rect x="1" y="1" width="32" height="12" class="dens-loss"/></svg> losses per lane: zoom in to see single messages.</li>
<li>Scroll to zoom, drag to pan (or keys <kbd>+</kbd> <kbd>-</kbd> <kbd>←</kbd> <kbd>→</kbd> <kbd>0</kbd> <kbd>v</kbd>); hover for details; click a request to highlight its messages.</li>
</ul></section>
"#,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_script_data_are_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(script_json(r#"{"a":"</script><!--&"}"#), r#"{"a":"\u003c/script\u003e\u003c!--\u0026"}"#);
        assert_eq!(seconds(12_345_678, 6), "12.345678 s");
        assert_eq!(seconds(12_345_678, 3), "12.345 s");
        assert_eq!(seconds(3_000_000, 0), "3 s");
    }
}
