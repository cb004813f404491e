//! End-to-end latency of the workshop page, measured through HTTP against a running server,
//! the way the page asks: a lever moves, the first picture is requested with a few thousand
//! careers, then the picture is refined to the scenario's full count.
//!
//! ```text
//! cargo build --release
//! target/release/mlm-sim serve --port 8123 &
//! cargo run --release --example serve_latency -- http://127.0.0.1:8123 typical 20 [SERVER_PID]
//! ```
//!
//! With the server's process id (Linux), it also reports the CPU time the server spent per
//! request, from `/proc/PID/stat`: on a shared machine wall times depend on the neighbours'
//! load, while CPU time divided by the cores used bounds what an idle machine would take.
//!
//! Every move sets a different value of `rejection.sting`, so no two requests are alike; each
//! request simulates from scratch (the server keeps no cache). Reported: the median, 90th
//! percentile and worst time of the first picture, of the final (full-count) request alone,
//! and of the whole refinement from the move to the full picture.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let scenario = args.next().unwrap_or_else(|| "typical".into());
    let moves: usize = args.next().map_or(Ok(20), |n| n.parse())?;
    let server_pid: Option<u32> = args.next().map(|p| p.parse()).transpose()?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let catalog: Value = agent
        .get(format!("{url}/api/catalog"))
        .call()?
        .body_mut()
        .read_json()?;
    let entry = catalog["scenarios"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["id"] == scenario.as_str()))
        .ok_or("no such scenario on this server")?;
    // A company scenario is refined by replicate companies, as the page does: one, then all.
    let company = entry["kind"] == "company";
    let (unit, count_key) = if company {
        ("companies", "replicates")
    } else {
        ("careers", "careers")
    };
    let full = entry[if company { "replicates" } else { "careers" }]
        .as_u64()
        .ok_or("no count")?;
    let first = if company {
        1
    } else {
        catalog["first_picture_careers"]
            .as_u64()
            .unwrap_or(4000)
            .min(full)
    };
    let mut stages = vec![first];
    for s in catalog["refine_steps"].as_array().into_iter().flatten() {
        let s = s.as_u64().unwrap_or(0);
        if !company && s > first && s < full {
            stages.push(s);
        }
    }
    if full > first {
        stages.push(full);
    }
    println!(
        "{url}, scenario {scenario}: {moves} lever moves, stages {stages:?} {unit}, {} threads on the client machine",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // One warm-up move, not counted (first requests pay for page faults and connection setup).
    let (mut first_ms, mut last_ms, mut total_ms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut first_cpu, mut last_cpu, mut total_cpu) = (Vec::new(), Vec::new(), Vec::new());
    for m in 0..=moves {
        let sting = format!("{}", 0.01 + 0.001 * m as f64);
        let started = Instant::now();
        let cpu_start = server_pid.and_then(cpu_ms);
        let mut times = Vec::new();
        let mut cpus = Vec::new();
        for &n in &stages {
            let t = Instant::now();
            let c = server_pid.and_then(cpu_ms);
            let body = json!({
                "session": "latency",
                "current": { "scenario": scenario, "settings": { "rejection.sting": sting } },
                count_key: n,
            });
            let res: Value = agent
                .post(format!("{url}/api/run"))
                .send_json(&body)?
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_json()?;
            if res[count_key].as_u64() != Some(n) {
                return Err(format!("unexpected answer: {res}").into());
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if let (Some(c0), Some(c1)) = (c, server_pid.and_then(cpu_ms)) {
                cpus.push(c1 - c0);
            }
        }
        if m == 0 {
            continue;
        }
        first_ms.push(times[0]);
        last_ms.push(*times.last().unwrap_or(&0.0));
        total_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        if let (Some(c0), Some(c1)) = (cpu_start, server_pid.and_then(cpu_ms)) {
            first_cpu.push(cpus[0]);
            last_cpu.push(*cpus.last().unwrap_or(&0.0));
            total_cpu.push(c1 - c0);
        }
    }
    report(&format!("first picture ({first} {unit})"), &mut first_ms);
    report(
        &format!("full-count request alone ({full} {unit})"),
        &mut last_ms,
    );
    report("move -> full picture (all stages)", &mut total_ms);
    if !total_cpu.is_empty() {
        println!("server CPU time (all threads) per request:");
        report(&format!("first picture ({first} {unit})"), &mut first_cpu);
        report(
            &format!("full-count request alone ({full} {unit})"),
            &mut last_cpu,
        );
        report("move -> full picture (all stages)", &mut total_cpu);
    }
    Ok(())
}

fn report(what: &str, ms: &mut [f64]) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what:<45} median {:>7.0} ms   p90 {:>7.0} ms   worst {:>7.0} ms",
        at(0.5),
        at(0.9),
        at(1.0)
    );
}

/// User + system CPU time of process `pid` so far, in milliseconds (Linux `/proc`).
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports in clock ticks of 1/100 s on every common configuration (USER_HZ).
    Some(ticks * 10.0)
}
