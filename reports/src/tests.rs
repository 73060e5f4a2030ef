//! End-to-end rendering tests over a hand-built, realistic report.

use crate::*;
use ftqa_metrics::result::*;
use std::collections::BTreeMap;

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "\"><svg onload=alert(1)>",
];

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Bin edges as the metrics crate makes them: 0, 1, then half-octave steps.
fn half_octaves(max: f64) -> Vec<f64> {
    let mut edges = vec![0.0, 1.0];
    while *edges.last().unwrap() <= max {
        let last = *edges.last().unwrap();
        let next = (last * 2f64.sqrt()).ceil();
        edges.push(if next <= last { last + 1.0 } else { next });
    }
    edges
}

pub(crate) fn sample_report() -> Report {
    let mut metrics = BTreeMap::new();
    for (k, v) in [
        ("records.total", 1204.0),
        ("records.analyzed", 1200.0),
        ("records.skipped", 4.0),
        ("records.skipped_rate", 4.0 / 1204.0),
        ("records.kind.demonstration.count", 1200.0),
        ("turns.mean", 2.4375),
        ("turns.median", 2.0),
        ("turns.multi_turn_rate", 0.31),
        ("length.instruction.words.mean", 41.237),
        ("length.instruction.words.median", 33.0),
        ("length.response.words.mean", 187.91),
        ("length.response.words.median", 142.0),
        ("length.response.chars.p95", 4210.0),
        ("empty.instruction.count", 3.0),
        ("empty.instruction.rate", 0.0025),
        ("empty.response.count", 0.0),
        ("empty.response.rate", 0.0),
        ("dedup.exact.sample_count", 17.0),
        ("dedup.exact.sample_rate", 17.0 / 1200.0),
        ("dedup.exact.instruction_count", 30.0),
        ("dedup.exact.instruction_rate", 0.025),
        ("script.latin.share", 0.91),
        ("script.han.share", 0.07),
        ("script.cyrillic.share", 0.02),
        ("language.en.share", 0.88),
        ("language.zh.share", 0.07),
        ("system.usage_rate", 0.42),
        ("images.sample_rate", 0.0),
        ("diversity.task.count", 12.0),
        ("tasks.labelled_rate", 1.0),
        ("tasks.entropy", 2.1345),
        ("preference.identical_rate", 0.013),
        ("feedback.desirable_rate", 0.5),
        ("videos.sample_rate", 0.0),
        // Table 4 indices: two with intervals, one without, one not measured with a
        // reason, two simply absent; CLIP matching and correctness are unavailable in ftqa.
        ("diversity.response.log_clusters", 4.2),
        ("complexity.instruction.elements_mean", 3.25),
        ("balance.task.variance", 12.5),
        // Per-task ids: one table, never one metric row each.
        ("diversity.instruction.clusters.open_qa", 3.0),
        ("diversity.instruction.clusters.brainstorming", 5.0),
        ("diversity.instruction.clusters.a.very.dotted task", 1.0),
    ] {
        metrics.insert(k.to_string(), v);
    }
    metrics.insert(format!("diversity.instruction.clusters.{}", XSS[0]), 9.0);
    let interval = |low: f64, high: f64, method: &str, n: u64| Interval {
        low,
        high,
        level: 0.95,
        method: method.into(),
        n,
    };
    let intervals: BTreeMap<String, Interval> = [
        (
            "diversity.response.log_clusters",
            interval(3.9, 4.5, "half_sample", 1000),
        ),
        (
            "balance.task.variance",
            interval(9.75, 15.25, "normal_mean", 12),
        ),
        (
            "diversity.instruction.clusters.open_qa",
            interval(2.0, 4.0, "half_sample", 40),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let distributions = vec![
        Distribution::Histogram {
            id: "length.response.words".into(),
            title: "Response length".into(),
            x_label: "words".into(),
            edges: half_octaves(2100.0),
            counts: (0..half_octaves(2100.0).len() - 1)
                .map(|i| {
                    let x = i as f64 - 14.0;
                    (300.0 * (-x * x / 20.0).exp()).round() as u64
                })
                .collect(),
            log_x: true,
        },
        Distribution::Histogram {
            id: "turns.histogram".into(),
            title: "Turn counts (linear)".into(),
            x_label: "turns".into(),
            edges: vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            counts: vec![400, 500, 200, 80, 20],
            log_x: false,
        },
        Distribution::Categorical {
            id: "tasks.sizes".into(),
            title: "Samples per task".into(),
            x_label: "task".into(),
            labels: vec![
                XSS[0].into(),
                "open_qa".into(),
                "a very long category label that goes on and on".into(),
                XSS[3].into(),
                "brainstorming".into(),
            ],
            counts: vec![400, 300, 250, 150, 100],
        },
        Distribution::Treemap {
            id: "tasks.treemap".into(),
            title: "Tasks by size, with their top keywords".into(),
            labels: vec![XSS[0].into(), "open_qa".into(), XSS[3].into()],
            counts: vec![400, 300, 150],
            notes: vec![XSS[1].into(), "question, answer".into(), String::new()],
        },
        Distribution::Scatter {
            id: "diversity.response.map".into(),
            title: "Responses by semantic cluster (PCA map)".into(),
            x_label: "first principal component".into(),
            y_label: "second principal component".into(),
            x: vec![0.1, 0.2, -0.3, 0.5, 0.0],
            y: vec![0.0, 0.1, 0.2, -0.4, 0.3],
            group: vec![0, 0, 1, -1, 12],
        },
        Distribution::Categorical {
            id: "turns.per_sample".into(),
            title: "Turns per sample".into(),
            x_label: "turns".into(),
            labels: (1..=10)
                .map(|v| v.to_string())
                .chain(["11+".to_string()])
                .collect(),
            counts: vec![500, 300, 150, 100, 60, 40, 20, 10, 10, 5, 5],
        },
    ];
    let examples = vec![
        ExampleGroup {
            metric: "dedup.exact.sample_count".into(),
            title: "Exact duplicates".into(),
            examples: vec![
                Example {
                    record_id: XSS[1].into(),
                    origin: "train.jsonl:12".into(),
                    text: format!("line one\nline two | pipe\n{}", XSS[0]),
                    note: Some(XSS[2].into()),
                },
                Example {
                    record_id: "r-13".into(),
                    origin: XSS[3].into(),
                    text: "Translate 'hello' & \"bye\"".into(),
                    note: None,
                },
            ],
        },
        ExampleGroup {
            metric: "empty.instruction.count".into(),
            title: "Empty instructions".into(),
            examples: vec![Example {
                record_id: "r-99".into(),
                origin: "train.jsonl:99".into(),
                text: "   ".into(),
                note: Some("whitespace only".into()),
            }],
        },
    ];
    Report {
        report_layout_version: REPORT_LAYOUT_VERSION,
        ftqa_version: "0.1.0".into(),
        dataset: DatasetInfo {
            path: format!("data/{}train.jsonl", XSS[3]),
            format: "jsonl".into(),
            schema: "sharegpt".into(),
            mapping: map(&[("conversation", "conversations"), ("system", "system")]),
            schema_source: "auto-detected".into(),
            files: vec!["data/train.jsonl".into()],
            compression: None,
            task_source: Some(format!("column:{}", XSS[0])),
            ..DatasetInfo::default()
        },
        records: RecordCounts {
            total: 1204,
            analyzed: 1200,
            skipped: 4,
            skipped_by_reason: [
                ("malformed_json".to_string(), 3u64),
                ("wrong_type|x".to_string(), 1u64),
            ]
            .into_iter()
            .collect(),
            skipped_examples: vec![
                SkippedRecord {
                    location: "train.jsonl:7".into(),
                    reason: format!("malformed_json: {}", XSS[1]),
                },
                SkippedRecord {
                    location: XSS[0].into(),
                    reason: "wrong_type".into(),
                },
            ],
        },
        warnings: vec![
            format!("column {} looks like an id", XSS[1]),
            "12 records exceed 32k characters".into(),
        ],
        metrics,
        distributions,
        examples,
        methods: map(&[
            (
                "dedup",
                "Exact duplicates: NFC-normalised, whitespace-collapsed text hashed with xxh3.",
            ),
            ("tasks", XSS[0]),
        ]),
        intervals,
        not_measured: map(&[
            (
                "complexity.object.count_mean",
                "no images in this dataset, so there are no objects to count",
            ),
            ("hygiene.image_missing.rate", "no --image-root given"),
        ]),
        sample: SampleInfo {
            requested: 1000,
            size: 1000,
            population: 1200,
            seed: 7,
            ids: vec![
                "diversity.response.log_clusters".into(),
                "balance.task.variance".into(),
            ],
        },
        run: map(&[
            ("flags", "--max-examples 5"),
            ("elapsed", "1.2 s"),
            ("started", XSS[2]),
        ]),
    }
}

/// Our own markup never contains these; only an escaping bug could put them in the page.
fn assert_no_injection(out: &str) {
    let lower = out.to_ascii_lowercase();
    for bad in [
        "<script",
        "<img",
        "<svg onload",
        "onerror=",
        "onload=",
        "<iframe",
        "<link",
    ] {
        // `onerror=` text is harmless once `<` is escaped, but it must never sit inside a tag.
        if bad.starts_with('<') {
            assert!(!lower.contains(bad), "found {bad:?} in output");
        } else {
            for tag in lower.split('<').skip(1) {
                let inside = tag.split('>').next().unwrap_or("");
                assert!(
                    !inside.contains(bad),
                    "found {bad:?} inside a tag: <{inside}>"
                );
            }
        }
    }
    assert!(!lower.contains("href=\"javascript:"), "javascript: link");
}

#[test]
fn html_escapes_every_payload() {
    let html = render_html(&sample_report());
    assert_no_injection(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&quot;&gt;&lt;svg onload=alert(1)&gt;"));
    // The treemap's data table carries the notes column, escaped.
    assert!(html.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"));
    // The map's legend table counts points per group; noise and the 11th+ clusters pooled.
    assert!(html.contains("<tr><td>clusters 11+</td><td class=\"num\">1</td></tr>"));
    assert!(html.contains("<tr><td>noise</td><td class=\"num\">1</td></tr>"));
    // Multi-line example text is kept in a pre-wrapped block.
    assert!(html.contains("<pre class=\"text\">line one\nline two | pipe\n"));
}

#[test]
fn html_is_self_contained() {
    let html = render_html(&sample_report());
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("<link"));
    assert!(!lower.contains("@import"));
    assert!(!lower.contains("url("));
    // No URLs at all (the test report has none in its data).
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    // Inside tags (escaped dataset text may say `src=`), the only links are in-page anchors.
    for tag in lower.split('<').skip(1) {
        let inside = tag.split('>').next().unwrap_or("");
        for attr in [" src=", " href=", " xlink:href=", " action=", " srcset="] {
            for (i, _) in inside.match_indices(attr) {
                let value = &inside[i + attr.len()..];
                assert!(
                    value.starts_with("\"#"),
                    "{attr} must be an in-page anchor: <{inside}>"
                );
            }
        }
    }
}

#[test]
fn html_has_sections_metrics_and_plots() {
    let r = sample_report();
    let html = render_html(&r);
    for id in [
        "overview",
        "warnings",
        "skipped",
        "records",
        "turns",
        "length",
        "empty",
        "dedup",
        "script",
        "language",
        "system",
        "images",
        "tasks",
        "diversity",
        "preference",
        "hygiene",
        "scores",
        "methods",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "missing anchor #{id}"
        );
        // Aliases: `empty` sits in Hygiene, `tasks` in Diversity.
        if !matches!(id, "overview" | "empty" | "tasks") {
            assert!(
                html.contains(&format!("href=\"#{id}\"")),
                "missing toc link #{id}"
            );
        }
    }
    assert_eq!(html.matches("<svg").count(), r.distributions.len());
    assert_eq!(
        html.matches("<figure class=\"plot\"").count(),
        r.distributions.len()
    );
    // Plots sit in the section of their family.
    let tasks = html.find("<section id=\"diversity\"").unwrap();
    let methods = html.find("<section id=\"methods\"").unwrap();
    let cat_plot = html.find("id=\"plot-tasks-sizes\"").unwrap();
    assert!(tasks < cat_plot && cat_plot < methods);
    assert!(html.contains("<td class=\"num\">1,204</td>"));
    assert!(html.contains("<td class=\"num\">0.33%</td>"));
    assert!(html.contains("id=\"m-records.total\""));
    assert!(html.contains("Exact duplicates: NFC-normalised"));
    assert!(html.contains("--max-examples 5"));
}

#[test]
fn markdown_table_and_escaping() {
    let md = render_markdown(&sample_report());
    assert_no_injection(&md);
    assert!(md.lines().next().unwrap().starts_with("## ftqa report: "));
    assert!(md.contains("| Metric | Value | Better |"));
    for row in [
        "| `records.total` | 1,204 |",
        "| `records.skipped_rate` | 0.33% |",
        "| `dedup.exact.sample_count` | 17 | ↓ |",
        "| `dedup.exact.sample_rate` | 1.42% | ↓ |",
        "| `empty.instruction.rate` | 0.25% |",
        "| `length.response.words.median` | 142 |",
        "| `turns.mean` | 2.44 |",
        "| `system.usage_rate` | 42% |",
        "| `images.sample_rate` | 0% |",
        "| `script.latin.share` | 91% |",
        "| `language.zh.share` | 7% |",
    ] {
        assert!(md.contains(row), "missing row {row}\n{md}");
    }
    assert!(
        !md.contains("length.response.chars.p95"),
        "not a headline metric"
    );
    assert!(
        md.contains("wrong\\_type\\|x 1"),
        "skip reason escaped: {md}"
    );
    assert!(md.contains("report.html"));
    let table_rows = md.lines().filter(|l| l.starts_with("| `")).count();
    assert!(table_rows <= crate::headline::MAX_HEADLINE);
    // The indices lead: their table comes before the headline metrics and the warnings.
    let indices = md
        .find("| Index | Metric | Value | 95% interval | Measured on |")
        .unwrap();
    assert!(indices < md.find("| Metric | Value | Better |").unwrap());
    assert!(indices < md.find("**Warnings").unwrap());
    assert!(md.contains("| Task diversity | `diversity.task.count` | 12 |  | all 1,200 records |"));
    assert!(md.contains(
        "| Balance | `balance.task.variance` | 12.5 | [9.75, 15.25] | n = 12 · on the seeded sample of 1,000 of 1,200 records |"
    ), "{md}");
    assert!(md.contains(
        "**Sample:** 1,000 of 1,200 records (seed 7); size-dependent indices are computed on it"
    ));
    assert!(
        md.contains("**Also not measured, no --image-root given:** `hygiene.image_missing.rate`")
    );
}

#[test]
fn terminal_summary_is_short_and_plain_without_color() {
    let r = sample_report();
    let t = render_terminal(&r, false);
    assert!(!t.contains('\x1b'));
    assert!(t.contains("1,204 total · 1,200 analyzed · 4 skipped"));
    assert!(t.contains("malformed_json 3"));
    assert!(t.lines().count() <= 45, "{t}");
    assert!(t.contains("diversity.task.count") && t.contains("script.latin.share"));
    let c = render_terminal(&r, true);
    assert!(c.contains("\x1b[1m"));
    // Dataset text cannot smuggle escape sequences.
    let mut evil = r.clone();
    evil.dataset.path = "x\x1b[2Jy".into();
    assert!(!render_terminal(&evil, false).contains('\x1b'));
}

#[test]
fn json_round_trips_with_contract_fields() {
    let r = sample_report();
    let s = render_json(&r);
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["report_layout_version"], REPORT_LAYOUT_VERSION);
    assert_eq!(v["ftqa_version"], "0.1.0");
    assert!(v["dataset"]["path"].as_str().unwrap().starts_with("data/"));
    assert_eq!(v["records"]["total"], 1204);
    assert_eq!(v["metrics"]["records.total"], 1204.0);
    assert_eq!(v["distributions"][0]["kind"], "histogram");
    // Keys in struct order, metric ids sorted.
    let pos = |k: &str| s.find(&format!("\"{k}\":")).unwrap();
    assert!(pos("report_layout_version") < pos("ftqa_version"));
    assert!(pos("ftqa_version") < pos("dataset"));
    assert!(pos("warnings") < pos("metrics"));
    assert!(pos("methods") < pos("run"));
    assert!(pos("dedup.exact.sample_count") < pos("records.total"));
}

#[test]
fn svg_plots_have_titles_and_escaped_labels() {
    let r = sample_report();
    for d in &r.distributions {
        let svg = plot_svg(d).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains(d.title()), "title {:?} missing", d.title());
        assert_no_injection(&svg);
        assert!(svg.len() < 60_000, "svg too big: {}", svg.len());
    }
    let cat = plot_svg(&r.distributions[2]).unwrap();
    assert!(cat.contains("&lt;script&gt;alert(1)&lt;/scrip…"), "{cat}");
    assert!(
        cat.contains("a very long category la…"),
        "long label cut at 24 chars"
    );
    let log = plot_svg(&r.distributions[0]).unwrap();
    assert!(log.contains("(log scale)"));
    assert!(
        log.contains("\n104\n") && log.contains("\n1688\n"),
        "edge labels: {log}"
    );
}

#[test]
fn empty_distributions_still_plot() {
    let d = Distribution::Histogram {
        id: "x.empty".into(),
        title: "Nothing here".into(),
        x_label: "x".into(),
        edges: vec![],
        counts: vec![],
        log_x: true,
    };
    let svg = plot_svg(&d).unwrap();
    assert!(svg.contains("Nothing here") && svg.contains("No data"));
    let c = Distribution::Categorical {
        id: "x.none".into(),
        title: "No categories".into(),
        x_label: "x".into(),
        labels: vec![],
        counts: vec![],
    };
    assert!(plot_svg(&c).unwrap().contains("No data"));
}

#[test]
fn many_categories_are_capped() {
    let n = 60;
    let d = Distribution::Categorical {
        id: "tasks.many".into(),
        title: "Many tasks".into(),
        x_label: "task".into(),
        labels: (0..n).map(|i| format!("task_{i}")).collect(),
        counts: (0..n).map(|i| 100 - i as u64).collect(),
    };
    let svg = plot_svg(&d).unwrap();
    assert!(
        svg.contains("count (20 more categories not shown)"),
        "{svg}"
    );
    assert!(svg.contains("task_39") && !svg.contains("task_40"));
}

#[test]
fn report_dir_has_all_files_and_real_pngs() {
    let r = sample_report();
    let dir = std::env::temp_dir().join(format!("ftqa-reports-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let w = write_report_dir(&r, &dir.join("out")).unwrap();
    let out = dir.join("out");
    for f in ["report.json", "report.md", "report.html"] {
        assert!(out.join(f).is_file(), "{f}");
        assert!(w.files.contains(&out.join(f)));
    }
    for d in &r.distributions {
        let svg = out.join("plots").join(format!("{}.svg", d.id()));
        let png = out.join("plots").join(format!("{}.png", d.id()));
        assert!(svg.is_file() && w.files.contains(&svg));
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", png.display());
        assert!(
            bytes.len() > 1024,
            "{} is {} bytes",
            png.display(),
            bytes.len()
        );
    }
    assert_eq!(w.files.len(), 3 + 2 * r.distributions.len());
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&json).unwrap();
    if std::env::var_os("FTQA_KEEP_TEST_REPORT").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    } else {
        eprintln!("report kept in {}", out.display());
    }
}

#[test]
fn markdown_escapes_pipes_in_table_cells() {
    let mut r = sample_report();
    r.metrics.insert("script.x|y.share".into(), 0.95);
    let md = render_markdown(&r);
    assert!(md.contains("| script.x\\|y.share | 95% |"), "{md}");
    // Every row of a table has as many cells as its header.
    let mut header_cells = None;
    for line in md.lines() {
        if !line.starts_with("| ") {
            header_cells = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        let want = *header_cells.get_or_insert(cells);
        assert_eq!(cells, want, "row with a broken cell: {line}");
    }
}

#[test]
fn print_terminal_summary() {
    // Not an assertion: shows the summary with `cargo test -- --nocapture`.
    println!("{}", render_terminal(&sample_report(), false));
}

/// The lines of the terminal summary from the Table 4 heading on (no colour).
fn terminal_index_lines(t: &str) -> Vec<&str> {
    t.lines()
        .skip_while(|l| !l.contains("Table 4 indices"))
        .collect()
}

#[test]
fn terminal_leads_with_the_paper_indices_in_order() {
    use ftqa_metrics::registry::PAPER_INDICES;
    let r = sample_report();
    let t = render_terminal(&r, false);
    let lines = terminal_index_lines(&t);
    assert!(!lines.is_empty(), "{t}");
    // No metric line before the indices: only the dataset, records and skipped lines.
    let before: Vec<&str> = t.lines().take_while(|l| !l.contains("Table 4")).collect();
    assert!(
        before
            .iter()
            .all(|l| !l.contains("dedup.") && !l.contains("length.") && !l.contains("script.")),
        "{t}"
    );
    assert_eq!(
        lines[1].trim(),
        "sample: 1,000 of 1,200 records (seed 7); size-dependent indices are computed on it"
    );
    let rows = &lines[2..2 + PAPER_INDICES.len()];
    for (line, index) in rows.iter().zip(PAPER_INDICES) {
        assert!(
            line.trim_start().starts_with(index.name) && line.contains(index.id),
            "expected {} in: {line}\n{t}",
            index.id
        );
    }
    let row = |id: &str| {
        *rows
            .iter()
            .find(|l| l.contains(&format!(" {id} ")))
            .unwrap()
    };
    let balance = row("balance.task.variance");
    assert!(balance.contains("12.5 [9.75, 15.25]"), "{balance}");
    assert!(
        balance.ends_with("n = 12 · on the seeded sample of 1,000 of 1,200 records"),
        "{balance}"
    );
    // n equals the sample: said once.
    let response = row("diversity.response.log_clusters");
    assert!(response.contains("4.2 [3.9, 4.5]"), "{response}");
    assert!(response.ends_with("  on the seeded sample of 1,000 of 1,200 records"));
    // No interval, not sampled: every record.
    assert!(row("diversity.task.count").ends_with("  all 1,200 records"));
    assert!(row("complexity.instruction.elements_mean").ends_with("  all 1,200 records"));
    // The paper's rows come before every other metric line.
    let rest = &lines[2 + PAPER_INDICES.len()..];
    assert!(rest.iter().any(|l| l.contains("dedup.exact.sample_rate")));
    assert!(!rest.iter().any(|l| l.contains("diversity.task.count")));
}

#[test]
fn a_not_measured_index_shows_its_reason_everywhere() {
    let r = sample_report();
    let t = render_terminal(&r, false);
    let line = |id: &str| {
        t.lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} missing: {t}"))
            .to_string()
    };
    // The report's own reason, then the registry's, then the generic one.
    let object = line("complexity.object.count_mean");
    assert!(object.contains("not measured"), "{object}");
    assert!(object.ends_with("no images in this dataset, so there are no objects to count"));
    assert!(line("matching.clip.score_mean").ends_with(crate::indices::NOT_COMPUTED));
    assert!(line("complexity.instruction.difficulty_mean").ends_with(crate::indices::NOT_COMPUTED));
    assert!(line("diversity.instruction.clusters_mean ").ends_with(crate::indices::NOT_COMPUTED));
    let md = render_markdown(&r);
    assert!(md.contains(
        "| Object/granularity complexity | `complexity.object.count_mean` | not measured |  | no images in this dataset, so there are no objects to count |"
    ), "{md}");
    let html = render_html(&r);
    assert!(html.contains(
        "<tr class=\"not-measured\"><td>Object/granularity complexity</td><td><code>complexity.object.count_mean</code></td><td class=\"num\">not measured</td><td colspan=\"2\">no images in this dataset, so there are no objects to count</td></tr>"
    ));
    assert!(html.contains(
        "Also not measured, no --image-root given: <code>hygiene.image_missing.rate</code>"
    ));
    assert!(
        md.contains("**Also not measured, no --image-root given:** `hygiene.image_missing.rate`")
    );
    assert!(
        line("hygiene.image_missing.rate").starts_with("  not measured no --image-root given: ")
    );
}

#[test]
fn prompt_only_ids_are_listed_once_under_their_reason() {
    use ftqa_metrics::result::NO_RESPONSES;
    let mut r = sample_report();
    let ids = [
        "diversity.response.log_clusters",
        "empty.response.rate",
        "length.response.words.mean",
        "dedup.exact.response_rate",
        "hygiene.refusal.rate",
        "script.mixed_rate",
    ];
    for id in ids {
        r.metrics.remove(id);
        r.intervals.remove(id);
        r.not_measured.insert(id.into(), NO_RESPONSES.into());
    }
    let groups = crate::indices::other_not_measured(&r);
    let ours = groups.iter().find(|(w, _)| *w == NO_RESPONSES).unwrap();
    // Table 4's index is in its own row, not in the list.
    assert_eq!(ours.1.len(), ids.len() - 1);
    assert!(!ours.1.contains(&"diversity.response.log_clusters"));
    let t = render_terminal(&r, false);
    let row = t
        .lines()
        .find(|l| l.contains("diversity.response.log_clusters"))
        .unwrap();
    assert!(
        row.contains("not measured") && row.ends_with(NO_RESPONSES),
        "{row}"
    );
    let line = t
        .lines()
        .find(|l| l.starts_with(&format!("  not measured {NO_RESPONSES}: ")))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(
        line.contains("dedup.exact.response_rate") && line.ends_with("… 1 more in report.md"),
        "{line}"
    );
    let md = render_markdown(&r);
    assert!(md.contains(&format!(
        "**Also not measured, {NO_RESPONSES}:** `dedup.exact.response_rate` · `empty.response.rate` · `hygiene.refusal.rate` · `length.response.words.mean` · `script.mixed_rate`"
    )), "{md}");
    assert!(md.contains(&format!(
        "| Response diversity | `diversity.response.log_clusters` | not measured |  | {NO_RESPONSES} |"
    )), "{md}");
    let html = render_html(&r);
    assert!(html.contains(&format!(
        "Also not measured, {NO_RESPONSES}: <code>dedup.exact.response_rate</code>, <code>empty.response.rate</code>,"
    )));
    assert!(html.contains(&format!(
        "<td class=\"num\">not measured</td><td colspan=\"2\">{NO_RESPONSES}</td>"
    )));
    // Not-measured ids have no value anywhere.
    assert!(!md.contains("| `empty.response.rate` |"), "{md}");
}

#[test]
fn html_leads_with_the_indices_and_shows_intervals_beside_values() {
    let r = sample_report();
    let html = render_html(&r);
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("<section id=\"indices\">") < at("<section id=\"scores\">"));
    assert!(at("href=\"#indices\"") < at("href=\"#scores\""));
    assert!(html.contains(
        "<tr><td>Balance</td><td><a href=\"#m-balance.task.variance\"><code>balance.task.variance</code></a></td><td class=\"num\"><strong>12.5</strong></td><td class=\"num\">[9.75, 15.25]</td><td>n = 12 · on the seeded sample of 1,000 of 1,200 records</td></tr>"
    ));
    assert!(html.contains("<strong>Sample:</strong> 1,000 of 1,200 records (seed 7)"));
    // The metric table row carries the interval next to the value.
    let row_at = at("<tr id=\"m-balance.task.variance\">");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    assert!(
        row.contains("12.5 <span class=\"ci\" title=\"95% interval (normal_mean, n = 12)\">[9.75, 15.25]</span>"),
        "{row}"
    );
    // Measured indices link to a metric row that exists.
    assert!(html.contains("<tr id=\"m-diversity.response.log_clusters\">"));
}

#[test]
fn html_per_task_table_escapes_hostile_task_names_and_sorts_without_scripts() {
    let html = render_html(&sample_report());
    assert_no_injection(&html);
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert_eq!(html.matches("<div class=\"per-task\"").count(), 1);
    let start = html.find("<div class=\"per-task\"").unwrap();
    let block = &html[start..start + html[start..].find("</div>").unwrap()];
    assert!(block.contains("<code>diversity.instruction.clusters.&lt;task&gt;</code> by task"));
    // The hostile label is escaped in each of the four orders.
    assert_eq!(
        block
            .matches(">&lt;script&gt;alert(1)&lt;/script&gt;</td>")
            .count(),
        4,
        "{block}"
    );
    // One radio per order, the first checked; headers are labels for them.
    assert_eq!(block.matches("<input type=\"radio\"").count(), 4);
    assert!(block.contains("id=\"sort-0-task-asc\" aria-label=\"sort by task A–Z\" checked>"));
    assert!(block.contains("<label for=\"sort-0-value-desc\">Value</label>"));
    // Largest value first in the value order; the interval sits beside a value.
    let by_value = &block[block.find("order-value-desc").unwrap()..];
    let pos = |s: &str| by_value.find(s).unwrap();
    assert!(
        pos("&lt;script&gt;") < pos(">brainstorming<") && pos(">brainstorming<") < pos(">open_qa<")
    );
    assert!(block.contains("3 <span class=\"ci\""));
    // Row anchors once, in the default order, so threshold links still land.
    assert_eq!(
        html.matches("id=\"m-diversity.instruction.clusters.open_qa\"")
            .count(),
        1
    );
}

#[test]
fn per_task_ids_are_not_metric_rows() {
    let r = sample_report();
    let html = render_html(&r);
    // No metric-table row for any per-task id (those carry the id in a code cell).
    for task in ["open_qa", "brainstorming", "a.very.dotted task"] {
        let id = format!("diversity.instruction.clusters.{task}");
        assert!(
            !html.contains(&format!("<code>{id}</code>")),
            "{id} is a row"
        );
    }
    assert!(!html.contains("<code>diversity.instruction.clusters.&lt;script"));
    // Nor on a score card.
    let scores = &html[html.find("<section id=\"scores\">").unwrap()..];
    let scores = &scores[..scores.find("</section>").unwrap()];
    assert!(!scores.contains("clusters."), "{scores}");
    let md = render_markdown(&r);
    assert!(!md.contains("clusters.open"), "{md}");
    assert!(md.contains("#### `diversity.instruction.clusters.<task>` by task (4 tasks)"));
    // Markdown: by value, largest first, hostile text escaped.
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("#### "))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Task"))
        .collect();
    assert_eq!(
        table,
        [
            "| &lt;script&gt;alert(1)&lt;/script&gt; | 9 |",
            "| brainstorming | 5 |",
            "| open\\_qa | 3 [2, 4] |",
            "| a.very.dotted task | 1 |",
        ]
    );
    let t = render_terminal(&r, false);
    assert!(
        !t.contains("clusters.open") && !t.contains("<script>"),
        "{t}"
    );
    assert!(
        t.contains("diversity.instruction.clusters.<task>  4 tasks · min 1 · median 4 · max 9"),
        "{t}"
    );
}

#[test]
fn sample_line_says_when_every_record_was_used() {
    let mut r = sample_report();
    r.sample.requested = 10_000;
    r.sample.size = 1200;
    let t = render_terminal(&r, false);
    assert!(t.contains(
        "sample: all 1,200 records (--sample-size 10,000 covers them; seed 7); size-dependent indices are computed on every record"
    ), "{t}");
    let balance = t
        .lines()
        .find(|l| l.contains("balance.task.variance"))
        .unwrap();
    assert!(balance.ends_with("  n = 12"), "{balance}");
    let response = t
        .lines()
        .find(|l| l.contains("diversity.response.log_clusters"))
        .unwrap();
    assert!(response.ends_with("  n = 1,000"), "{response}");
    // Reports without sample facts print no sample line.
    r.sample = SampleInfo::default();
    assert!(!render_terminal(&r, false).contains("sample:"));
}

#[test]
fn intervals_sit_beside_values_in_every_metric_table() {
    let mut r = sample_report();
    r.intervals.insert(
        "dedup.exact.sample_rate".into(),
        Interval {
            low: 0.009,
            high: 0.0226,
            level: 0.95,
            method: "wilson".into(),
            n: 1200,
        },
    );
    let md = render_markdown(&r);
    assert!(
        md.contains("| `dedup.exact.sample_rate` | 1.42% [0.9%, 2.26%] | ↓ |"),
        "{md}"
    );
    let t = render_terminal(&r, false);
    assert!(t.contains("1.42% [0.9%, 2.26%]"), "{t}");
    let html = render_html(&r);
    assert!(html.contains(
        "1.42% <span class=\"ci\" title=\"95% interval (wilson, n = 1,200)\">[0.9%, 2.26%]</span>"
    ));
}
