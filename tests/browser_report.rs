//! `report.html` and `compare.html` in a real browser (headless Chromium, Debian's
//! `chromium` package, installed by `.ci/run`):
//!
//! - dataset text carrying `<script>`, `<img onerror>`, `<svg onload>` and `javascript:`
//!   payloads never runs: the page title the payloads would overwrite is intact, the live DOM
//!   has no script element, no event-handler attribute and no link other than in-page anchors;
//! - the page loads with no console message at all (it has no scripts; any message is an
//!   error such as a blocked resource or an executed payload);
//! - every plot renders: each inline `<svg>` has a non-zero laid-out size;
//! - screenshots are kept under `target/tmp/browser-artefacts/` (or `$FTQA_ARTEFACTS`).
//!
//! Where Chromium cannot start, the tests print `SKIPPED: <reason>` straight to stderr (not
//! captured by the test harness) and write `SKIPPED.txt` beside the artefacts; with
//! `FTQA_REQUIRE_BROWSER=1` (set by `.ci/run`) they fail instead.

mod common;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything the harness script measures, written into the DOM for `--dump-dom` to carry out.
const HARNESS_MARK: &str = "ftqa-harness-result";

fn artefacts() -> PathBuf {
    let dir = std::env::var_os("FTQA_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artefacts"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium's binary, or why it cannot be used here.
fn chromium() -> Result<PathBuf, String> {
    let candidates: Vec<PathBuf> = match std::env::var_os("FTQA_CHROMIUM") {
        Some(p) => vec![PathBuf::from(p)],
        None => [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ]
        .iter()
        .flat_map(|n| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(move |d| d.join(n))
                .collect::<Vec<_>>()
        })
        .filter(|p| p.is_file())
        .collect(),
    };
    let bin = candidates
        .into_iter()
        .next()
        .ok_or("no chromium binary on PATH (apt-get install chromium, or set FTQA_CHROMIUM)")?;
    // A trivial page proves the browser starts, not just that the file exists.
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let page = dir.path().join("smoke.html");
    std::fs::write(&page, "<!DOCTYPE html><title>smoke</title><p>ok</p>")
        .map_err(|e| e.to_string())?;
    let run = browse(&bin, &page, &dir.path().join("profile"), None)?;
    if !run.dom.contains("<title>smoke</title>") {
        return Err(format!(
            "{} started but rendered nothing: {}",
            bin.display(),
            tail(&run.stderr)
        ));
    }
    Ok(bin)
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.contains("dbus")).collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

/// Skips (loudly) or fails, as `FTQA_REQUIRE_BROWSER` says.
fn skip_or_fail(test: &str, reason: &str) {
    if std::env::var("FTQA_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("{test}: a browser is required (FTQA_REQUIRE_BROWSER=1) but {reason}");
    }
    let msg = format!("SKIPPED: {test}: {reason}\n");
    // Written to the process's stderr directly: the harness captures only print! macros.
    let _ = std::io::stderr().write_all(msg.as_bytes());
    let _ = std::fs::write(artefacts().join(format!("SKIPPED-{test}.txt")), msg);
}

/// Clears the skip marker of an earlier run once the browser did start.
fn ran(test: &str) {
    let _ = std::fs::remove_file(artefacts().join(format!("SKIPPED-{test}.txt")));
}

struct Run {
    dom: String,
    stderr: String,
}

fn browse(
    bin: &Path,
    page: &Path,
    profile: &Path,
    screenshot: Option<&Path>,
) -> Result<Run, String> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    match screenshot {
        Some(p) => {
            cmd.arg(format!("--screenshot={}", p.display()));
            cmd.arg("--window-size=1280,2600");
        }
        None => {
            cmd.arg("--dump-dom");
        }
    }
    cmd.arg(format!(
        "file://{}",
        page.canonicalize().map_err(|e| e.to_string())?.display()
    ));
    let o = cmd
        .output()
        .map_err(|e| format!("{} cannot run: {e}", bin.display()))?;
    let run = Run {
        dom: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    if !o.status.success() {
        return Err(format!(
            "{} exited with {}: {}",
            bin.display(),
            o.status,
            tail(&run.stderr)
        ));
    }
    Ok(run)
}

/// Console messages Chromium logged for the page (`INFO:CONSOLE(...)` / `:CONSOLE:` lines).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// A copy of the page with a measuring script: an error listener first (catches script
/// errors and failed resource loads), and at the end a probe that writes what it found into
/// a `<pre>` that `--dump-dom` carries out. The original page is tested without it.
fn with_harness(html: &str) -> String {
    let first = "<script id=\"ftqa-h1\">window.__errs=[];addEventListener('error',function(e){__errs.push(String(e.message||(e.target&&e.target.outerHTML)||e))},true);</script>";
    let probe = format!(
        "<script id=\"ftqa-h2\">(function(){{\
         var svgs=[].slice.call(document.querySelectorAll('svg')).map(function(s){{var r=s.getBoundingClientRect();return [r.width,r.height,s.querySelectorAll('rect,path,polyline,line,text').length];}});\
         var scripts=[].slice.call(document.querySelectorAll('script')).filter(function(s){{return s.id.indexOf('ftqa-h')!==0;}}).length;\
         var handlers=0,links=[];[].slice.call(document.querySelectorAll('*')).forEach(function(el){{[].slice.call(el.attributes).forEach(function(a){{var n=a.name.toLowerCase();if(n.indexOf('on')===0)handlers++;if(['href','src','xlink:href','action','formaction','srcset'].indexOf(n)>=0)links.push(a.value);}});}});\
         var pre=document.createElement('pre');pre.id='{HARNESS_MARK}';\
         pre.textContent=JSON.stringify({{title:document.title,svgs:svgs,scripts:scripts,handlers:handlers,links:links,errors:window.__errs}});\
         document.body.appendChild(pre);}})();</script>"
    );
    let html = html.replacen("<head>", &format!("<head>{first}"), 1);
    html.replacen("</body>", &format!("{probe}</body>"), 1)
}

fn harness_result(dom: &str) -> Value {
    let start = dom
        .find(&format!("id=\"{HARNESS_MARK}\">"))
        .expect("harness ran")
        + HARNESS_MARK.len()
        + 6;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("harness output {json}: {e}"))
}

/// Loads `page` three ways (plain, with the probe, as a screenshot) and asserts the
/// properties in the module docs. Returns the probe's findings.
fn assert_page_is_safe_and_renders(
    bin: &Path,
    page: &Path,
    expected_title: &str,
    shot: &str,
) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let plain = browse(bin, page, &tmp.path().join("p1"), None).unwrap();
    assert!(
        console_lines(&plain.stderr).is_empty(),
        "console messages: {:#?}",
        console_lines(&plain.stderr)
    );
    assert!(
        plain
            .dom
            .contains(&format!("<title>{expected_title}</title>")),
        "title changed: a payload ran"
    );
    let lower = plain.dom.to_ascii_lowercase();
    assert!(
        !lower.contains("<script"),
        "a script element is in the live DOM"
    );

    let probed_page = page.with_file_name(format!(
        "probe-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &probed_page,
        with_harness(&std::fs::read_to_string(page).unwrap()),
    )
    .unwrap();
    let probed = browse(bin, &probed_page, &tmp.path().join("p2"), None).unwrap();
    std::fs::remove_file(&probed_page).unwrap();
    let r = harness_result(&probed.dom);
    assert_eq!(r["scripts"], 0, "{r}");
    assert_eq!(r["handlers"], 0, "event-handler attributes in the DOM: {r}");
    assert_eq!(
        r["errors"].as_array().unwrap().len(),
        0,
        "errors while loading: {r}"
    );
    for link in r["links"].as_array().unwrap() {
        assert!(
            link.as_str().unwrap().starts_with('#'),
            "only in-page links: {link}"
        );
    }
    // The probe reads the title after every payload had its chance to run.
    assert_eq!(r["title"].as_str().unwrap(), html_unescape(expected_title));
    let svgs = r["svgs"].as_array().unwrap();
    assert!(!svgs.is_empty(), "no plots");
    for (i, s) in svgs.iter().enumerate() {
        let (w, h, marks) = (
            s[0].as_f64().unwrap(),
            s[1].as_f64().unwrap(),
            s[2].as_u64().unwrap(),
        );
        // An empty distribution draws its title and "No data": two marks at least.
        assert!(
            w > 100.0 && h > 50.0 && marks >= 2,
            "plot {i} did not render: {s}"
        );
    }
    assert!(
        svgs.iter().any(|s| s[2].as_u64().unwrap() > 10),
        "no plot drew any data: {r}"
    );

    let png = artefacts().join(shot);
    let _ = std::fs::remove_file(&png);
    browse(bin, page, &tmp.path().join("p3"), Some(&png)).unwrap();
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "screenshot {} missing or blank ({size} bytes)",
        png.display()
    );
    r
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

const PAYLOADS: &[&str] = &[
    "<script>document.title='PWNED-SCRIPT';console.error('XSS-EXECUTED')</script>",
    "<img src=x onerror=\"document.title='PWNED-IMG';console.error('XSS-EXECUTED')\">",
    "javascript:document.title='PWNED-JS'",
    "\"><svg onload=\"document.title='PWNED-SVG'\"><a href=\"javascript:alert(1)\">x</a>",
];

/// A small dataset whose ids, instructions, responses and task labels carry every payload,
/// so they reach metric ids, plot labels, example tables and the data tables.
fn hostile_dataset(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for i in 0..48 {
        let p = PAYLOADS[i % PAYLOADS.len()];
        let row = serde_json::json!({
            "id": if i % 4 == 0 { p.to_string() } else { format!("r{i}") },
            "instruction": format!("Question {i}: {p} explain topic {} carefully in several steps", i % 7),
            "output": format!("Answer {i}: {p} the topic is about item {} and more words", i % 5),
            "category": if i % 3 == 0 { p.to_string() } else { format!("task{}", i % 4) },
        });
        writeln!(f, "{row}").unwrap();
    }
    path
}

#[test]
fn report_html_is_inert_clean_and_renders_in_chromium() {
    let bin = match chromium() {
        Ok(b) => b,
        Err(why) => {
            return skip_or_fail("report_html_is_inert_clean_and_renders_in_chromium", &why)
        }
    };
    ran("report_html_is_inert_clean_and_renders_in_chromium");
    let t = tempfile::tempdir().unwrap();
    let data = hostile_dataset(t.path());
    let out = t.path().join("rep");
    let cfg = t.path().join("ftqa.toml");
    std::fs::write(&cfg, "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.5 }\n\"records.skipped_rate\" = { max = 0 }\n\"empty.response.rate\" = { max = 0 }\n").unwrap();
    let report = common::report(
        &data,
        &out,
        &["--config", cfg.to_str().unwrap(), "--no-progress"],
    );
    // The payloads really are in the data the page shows.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("PWNED-SCRIPT") && html.contains("PWNED-IMG") && html.contains("javascript:")
    );
    let title = format!(
        "ftqa report: {}",
        ftqa_reports::html_escape(report["dataset"]["path"].as_str().unwrap())
    );
    let r = assert_page_is_safe_and_renders(&bin, &out.join("report.html"), &title, "report.png");
    // Every distribution in report.json is drawn.
    assert_eq!(
        r["svgs"].as_array().unwrap().len(),
        report["distributions"].as_array().unwrap().len()
    );
}

#[test]
fn compare_html_is_inert_clean_and_renders_in_chromium() {
    let bin = match chromium() {
        Ok(b) => b,
        Err(why) => {
            return skip_or_fail("compare_html_is_inert_clean_and_renders_in_chromium", &why)
        }
    };
    ran("compare_html_is_inert_clean_and_renders_in_chromium");
    let t = tempfile::tempdir().unwrap();
    let a = hostile_dataset(t.path());
    let b = common::fixtures().join("alpaca.json");
    let out = t.path().join("cmp");
    let o = common::ftqa(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_page_is_safe_and_renders(
        &bin,
        &out.join("compare.html"),
        "ftqa compare: A vs B",
        "compare.png",
    );
}
