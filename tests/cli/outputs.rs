//! The files a run writes: CSV tables, charts, the HTML report and the streamed careers.csv,
//! checked against summary.json through the real binary.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn mlm() -> Command {
    Command::cargo_bin("mlm-sim").unwrap()
}

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

const CHARTS: [&str; 6] = [
    "failure-rate-distribution",
    "survival",
    "quit-reasons",
    "net-income",
    "downline-outcomes",
    "income-disclosure",
];

/// Run `relationship.toml` with `args` into a fresh folder; returns the folder and the
/// scenario's result folder inside it.
fn run(args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .arg("run")
        .arg(scenario_path("relationship"))
        .args(args)
        .arg("--quiet")
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let res = dir.path().join("relationship-recruiting");
    (dir, res)
}

/// A CSV file as (header, rows of cells).
fn csv_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A CSV file as one map (column -> cell) per row.
fn csv_maps(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (h, rows) = csv_table(path);
    rows.into_iter()
        .map(|r| {
            assert_eq!(r.len(), h.len());
            h.iter().cloned().zip(r).collect()
        })
        .collect()
}

fn num(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|e| panic!("`{cell}` is not a number: {e}"))
}

/// Asserts that a CSV number and a summary.json number are the same value. Both files hold the
/// shortest text that reads back exactly, but serde_json (without its `float_roundtrip`
/// feature) may parse that text one unit in the last place off, so allow two.
fn assert_same(csv: f64, json: f64, what: &str) {
    assert!(
        (csv - json).abs() <= 2.0 * f64::EPSILON * csv.abs().max(json.abs()),
        "{what}: csv {csv} vs json {json}"
    );
}

fn json_f64(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// Tags must nest and close: a tiny well-formedness check for the SVG files (plotters writes
/// no comments, CDATA or processing instructions inside the document).
fn assert_well_formed_xml(text: &str, what: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .unwrap_or_else(|| panic!("{what}: unclosed tag"))
            + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop(),
                Some(name.trim()),
                "{what}: mismatched </{name}>"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or("");
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "{what}: unclosed elements {stack:?}");
}

#[test]
fn run_writes_tables_that_agree_with_summary_json() {
    let (_dir, res) = run(&["--careers", "2000", "--no-charts"]);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(res.join("summary.json")).unwrap()).unwrap();
    let careers = json["careers"].as_u64().unwrap();
    let months = json["months"].as_u64().unwrap() as usize;

    // summary.csv: one row; every number equals the one in summary.json.
    let summary = csv_maps(&res.join("summary.csv"));
    assert_eq!(summary.len(), 1);
    let row = &summary[0];
    let paths: &[(&str, &str)] = &[
        ("failure_rate", "/failure_rate"),
        ("failure_rate_ci_low", "/failure_rate_ci/0"),
        ("failure_rate_ci_high", "/failure_rate_ci/1"),
        ("quit_share", "/quit_share"),
        ("survival_month_12", "/survival/11"),
        ("survival_month_24", "/survival/23"),
        ("net_income_mean", "/net_income/mean"),
        ("net_income_p50", "/net_income/p50"),
        ("profitable_share", "/profitable_share"),
        ("commissions_mean", "/money/commissions"),
        ("purchases_mean", "/money/purchases"),
        ("downline_quit_share", "/downline/quit_share"),
        ("downline_profited_share", "/downline/profited_share"),
        ("capped_careers", "/capped_careers"),
        ("cohort_failure_rate_p90", "/cohort_failure_rates/p90"),
        ("outcome_profited", "/outcome_bands/profited"),
        ("disclosure_net_mean", "/income_disclosure/net/mean"),
    ];
    for (col, ptr) in paths {
        assert_same(num(&row[*col]), json_f64(json.pointer(ptr).unwrap()), col);
    }
    for (reason, share) in json["quit_reasons"].as_object().unwrap() {
        assert_same(
            num(&row[&format!("quit_share_{reason}")]),
            json_f64(share),
            reason,
        );
    }
    assert_eq!(row["careers"], careers.to_string());

    // survival.csv: month 0 is everyone, then summary.json's survival, with the hazard.
    let surv = csv_maps(&res.join("survival.csv"));
    assert_eq!(surv.len(), months + 1);
    assert_eq!(num(&surv[0]["active_share"]), 1.0);
    for m in 1..=months {
        let share = num(&surv[m]["active_share"]);
        assert_eq!(num(&surv[m]["month"]) as usize, m);
        assert_same(share, json_f64(&json["survival"][m - 1]), "survival");
        assert_same(
            num(&surv[m]["ci_low"]),
            json_f64(&json["survival_ci_low"][m - 1]),
            "ci_low",
        );
        let before = num(&surv[m - 1]["active_share"]);
        if before > 0.0 {
            let hazard = num(&surv[m]["hazard"]);
            assert!((hazard - (before - share) / before).abs() < 1e-12);
        }
    }

    // quit-reasons.csv: counts add up to every career; shares as in summary.json.
    let reasons = csv_maps(&res.join("quit-reasons.csv"));
    assert_eq!(
        reasons.len(),
        json["quit_reasons"].as_object().unwrap().len()
    );
    let total: u64 = reasons.iter().map(|r| num(&r["count"]) as u64).sum();
    assert_eq!(total, careers);
    for r in &reasons {
        assert_same(
            num(&r["share"]),
            json_f64(&json["quit_reasons"][&r["reason"]]),
            &r["reason"],
        );
    }

    // The histograms are summary.json's bins, row for row.
    let (h, net) = csv_table(&res.join("net-income-histogram.csv"));
    assert_eq!(h, ["bin_low", "bin_high", "count"]);
    let bins = json["net_income_histogram"].as_array().unwrap();
    assert_eq!(net.len(), bins.len());
    for (r, b) in net.iter().zip(bins) {
        assert_same(num(&r[0]), json_f64(&b["bin_low"]), "bin_low");
        assert_eq!(num(&r[2]) as u64, b["count"].as_u64().unwrap());
    }
    assert_eq!(net.iter().map(|r| num(&r[2]) as u64).sum::<u64>(), careers);
    let (h, cohorts) = csv_table(&res.join("cohort-failure-rates.csv"));
    assert_eq!(h, ["bin_low", "bin_high", "cohorts"]);
    let c = &json["cohort_failure_rates"];
    assert_eq!(cohorts.len(), c["bins"].as_array().unwrap().len());
    assert_eq!(
        cohorts.iter().map(|r| num(&r[2]) as u64).sum::<u64>(),
        c["cohorts"].as_u64().unwrap()
    );

    // Without --careers-csv there is no careers.csv, and --no-charts means no images.
    assert!(!res.join("careers.csv").exists());
    for chart in CHARTS {
        assert!(!res.join(format!("{chart}.png")).exists());
        assert!(!res.join(format!("{chart}.svg")).exists());
    }
    let report = std::fs::read_to_string(res.join("report.html")).unwrap();
    assert!(!report.contains("<svg"));
}

#[test]
fn run_draws_every_chart_as_png_and_svg_and_embeds_them_in_a_self_contained_report() {
    let (_dir, res) = run(&["--careers", "1000", "--chart-size", "800x450"]);
    for chart in CHARTS {
        let png = std::fs::read(res.join(format!("{chart}.png"))).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (800, 450), "{chart}.png");
        let colours: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        assert!(
            colours.len() > 30,
            "{chart}.png looks blank: {} colours",
            colours.len()
        );

        let svg = std::fs::read_to_string(res.join(format!("{chart}.svg"))).unwrap();
        assert!(svg.trim_start().starts_with("<svg"), "{chart}.svg");
        assert!(svg.trim_end().ends_with("</svg>"), "{chart}.svg");
        assert!(
            svg.contains("Relationship recruiting"),
            "{chart}.svg names the scenario"
        );
        assert!(svg.contains("1,000 careers") && svg.contains("seed 1"));
        assert_well_formed_xml(&svg, &format!("{chart}.svg"));
    }
    let report = std::fs::read_to_string(res.join("report.html")).unwrap();
    assert_eq!(report.matches("<svg").count(), CHARTS.len());
    // Drawn once: the page holds each chart file's very bytes, not a second drawing.
    for chart in CHARTS {
        let svg = std::fs::read_to_string(res.join(format!("{chart}.svg"))).unwrap();
        assert!(
            report.contains(&svg),
            "report.html does not embed {chart}.svg as it is"
        );
    }
    // The SVG namespace declaration names a namespace and fetches nothing; nothing else may
    // point outside the page.
    let namespace = " xmlns=\"http://www.w3.org/2000/svg\"";
    assert_eq!(report.matches(namespace).count(), CHARTS.len());
    let without_namespace = report.replace(namespace, "");
    for outside in [
        "http:", "https:", "src=", "href=", "<script", "<link", "url(",
    ] {
        assert!(
            !without_namespace.contains(outside),
            "report.html contains {outside}"
        );
    }
    assert!(report.contains("quit within a year"));
    assert!(report.contains("the main reason:"));
}

#[test]
fn format_chooses_the_chart_files() {
    let (_dir, res) = run(&[
        "--careers",
        "300",
        "--format",
        "svg",
        "--chart-size",
        "640x360",
    ]);
    for chart in CHARTS {
        assert!(res.join(format!("{chart}.svg")).exists());
        assert!(!res.join(format!("{chart}.png")).exists());
    }
}

#[test]
fn png_only_charts_still_appear_in_the_report() {
    let (_dir, res) = run(&[
        "--careers",
        "300",
        "--format",
        "png",
        "--chart-size",
        "640x360",
    ]);
    for chart in CHARTS {
        assert!(res.join(format!("{chart}.png")).exists());
        assert!(!res.join(format!("{chart}.svg")).exists());
    }
    let report = std::fs::read_to_string(res.join("report.html")).unwrap();
    assert_eq!(report.matches("<svg").count(), CHARTS.len());
    assert_eq!(report.matches("</svg>").count(), CHARTS.len());
}

#[test]
fn careers_csv_has_one_row_per_career_in_index_order_matching_the_summary() {
    let (_dir, res) = run(&["--careers", "1500", "--no-charts", "--careers-csv"]);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(res.join("summary.json")).unwrap()).unwrap();
    let rows = csv_maps(&res.join("careers.csv"));
    assert_eq!(rows.len(), 1500);
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    let mut net = 0.0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["career"], i.to_string());
        *by_reason.entry(r["end_reason"].clone()).or_default() += 1;
        net += num(&r["net_income"]);
        // The scenario draws join_probability per person: its column holds a probability.
        let p = num(&r["prospecting.join_probability"]);
        assert!((0.0..=1.0).contains(&p));
        assert_eq!(
            r["month_quit"].is_empty(),
            r["end_reason"].starts_with("active_")
        );
    }
    for rc in json["quit_reason_counts"].as_array().unwrap() {
        let reason = rc["reason"].as_str().unwrap();
        assert_eq!(
            by_reason.get(reason).copied().unwrap_or(0),
            rc["count"].as_u64().unwrap(),
            "{reason}"
        );
    }
    // summary.json sums whole cents: the means differ by at most half a cent.
    let mean = net / rows.len() as f64;
    assert!((mean - json_f64(&json["net_income"]["mean"])).abs() <= 0.005 + 1e-9);
}

#[test]
fn fails_with_a_clear_error_for_a_bad_format_or_chart_size() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, bad, expect) in [
        ("--format", "png,jpg", "'jpg'", "png and svg"),
        ("--chart-size", "800by450", "'800by450'", "WIDTHxHEIGHT"),
        ("--chart-size", "100x50", "'100x50'", "320x180"),
    ] {
        mlm()
            .arg("run")
            .arg(scenario_path("relationship"))
            .args([flag, value, "--careers", "100", "--out"])
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(bad)
                    .and(predicate::str::contains(flag))
                    .and(predicate::str::contains(expect)),
            );
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn fails_with_a_clear_error_for_careers_csv_with_shard() {
    let dir = tempfile::tempdir().unwrap();
    mlm()
        .arg("run")
        .arg(scenario_path("relationship"))
        .args([
            "--careers-csv",
            "--shard",
            "1/2",
            "--careers",
            "200",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--careers-csv cannot be combined with --shard",
        ));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn scenario_text_is_escaped_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evil.toml");
    std::fs::write(
        &file,
        r#"name = "Tom & <b>Jerry</b>"
description = "<script>alert('x')</script> \"quoted\""
careers = 200

[sources]
"economics.starter_kit" = "<img src=x onerror=alert(1)> FTC & co"
"#,
    )
    .unwrap();
    mlm()
        .arg("run")
        .arg(&file)
        .args([
            "--quiet",
            "--format",
            "svg",
            "--chart-size",
            "640x360",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let folder = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let report = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(report.contains("Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;"));
    assert!(report.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;quoted&quot;"));
    assert!(report.contains("&lt;img src=x onerror=alert(1)&gt; FTC &amp; co"));
    for raw in ["<b>", "<script", "<img"] {
        assert!(!report.contains(raw), "report.html contains raw {raw}");
    }
}

#[test]
fn careers_csv_names_each_followed_persons_kind_drawn_with_the_shares() {
    // Half buyers: the followed person is drawn with the shares (no `kinds.followed`).
    let careers = 2000;
    let (_dir, folder) = run(&[
        "--careers",
        &careers.to_string(),
        "--careers-csv",
        "--no-charts",
        "--set",
        "kinds.shares={buyer=0.5,dabbler=0.25,builder=0.25}",
    ]);
    let rows = csv_maps(&folder.join("careers.csv"));
    assert_eq!(rows.len(), careers);
    let buyers: Vec<_> = rows.iter().filter(|r| r["kind"] == "buyer").collect();
    for r in &rows {
        assert!(
            ["buyer", "dabbler", "builder"].contains(&r["kind"].as_str()),
            "{r:?}"
        );
    }
    // Binomial: 4 standard errors of the share, sqrt(0.25 / n).
    let share = buyers.len() as f64 / careers as f64;
    let se = (0.25 / careers as f64).sqrt();
    assert!((share - 0.5).abs() < 4.0 * se, "buyer share {share}");
    // A buyer prospects nobody, and a dollar of product is worth a dollar to them.
    for r in buyers {
        assert_eq!(num(&r["recruits"]), 0.0, "{r:?}");
        assert!(
            (num(&r["value_of_purchases"]) - num(&r["purchases"])).abs() < 1e-6,
            "{r:?}"
        );
    }
    // Without kinds the column is empty and purchases are worth nothing extra.
    let (_dir, folder) = run(&["--careers", "50", "--careers-csv", "--no-charts"]);
    for r in csv_maps(&folder.join("careers.csv")) {
        assert_eq!(r["kind"], "");
        assert_eq!(num(&r["value_of_purchases"]), 0.0);
    }
}
