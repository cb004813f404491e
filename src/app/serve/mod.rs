//! `mlm-sim serve`: the live workshop page, a local web server with a lever for every pitfall.
//!
//! A trainer moves a pitfall lever in front of a room and the odds change on the screen while
//! the room is still looking.
//!
//! Layout: [`catalog`] (the scenarios and the levers on offer), [`simulate`] (a request made
//! into validated scenarios, run, and made into [`headline`] words and charts), [`toml_out`]
//! (the settings as a scenario file `run` reproduces), [`api`] (routes, sessions, limits) and
//! [`page`] (the HTML, CSS and JS, compiled into the binary: the page needs no network).
//!
//! The server is axum on a small tokio runtime; simulations run on a rayon pool of their own,
//! never on the async threads. It binds to 127.0.0.1 unless `--host` says otherwise, and
//! Ctrl-C (or SIGTERM) cancels every run in progress and stops it cleanly.

pub mod api;
pub mod catalog;
pub mod company;
pub mod company_levers;
pub mod headline;
pub mod page;
pub mod simulate;
pub mod toml_out;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use clap::Args;

use mlm_sim::model::estimate::DEFAULT_MAX_WORK;

/// Start the live workshop page: a local web server with a slider for every pitfall lever.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Extra scenario files to offer (TOML); the shipped scenarios are always offered.
    /// They are read once, at startup.
    #[arg(value_name = "SCENARIO.toml")]
    pub scenarios: Vec<PathBuf>,
    /// Port to listen on (0 picks a free one; the address is printed).
    #[arg(long, value_name = "N", default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but 127.0.0.1 / ::1 lets other machines use the page
    /// (and your CPU); there is no login.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Worker threads for simulations (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Most careers one request may simulate.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_careers: u64,
    /// Most runs computing at once (all pages together); more wait, then get "busy".
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_runs: usize,
    /// Refuse requests expected to simulate more person-months than this.
    #[arg(long, value_name = "PERSON_MONTHS", default_value_t = DEFAULT_MAX_WORK)]
    pub max_work: f64,
}

/// Run the server until Ctrl-C or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<()> {
    if args.max_runs == 0 || args.max_runs > 64 {
        bail!("--max-runs must be between 1 and 64, got {}", args.max_runs);
    }
    if args.max_careers == 0 || args.max_careers > mlm_sim::scenario::MAX_CAREERS {
        bail!(
            "--max-careers must be between 1 and {}, got {}",
            mlm_sim::scenario::MAX_CAREERS,
            args.max_careers
        );
    }
    if !(args.max_work.is_finite() && args.max_work > 0.0) {
        bail!("--max-work must be a positive number of person-months (e.g. 1e11)");
    }
    let catalog = catalog::Catalog::load(&args.scenarios)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        if n == 0 || n > 4096 {
            bail!("--threads must be between 1 and 4096, got {n}");
        }
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("cannot start worker threads")?;
    let state = Arc::new(api::AppState {
        catalog,
        pool,
        limits: simulate::Limits {
            max_careers: args.max_careers,
            max_work: args.max_work,
        },
        max_runs: args.max_runs,
        slots: Arc::new(tokio::sync::Semaphore::new(args.max_runs)),
        sessions: Mutex::new(Default::default()),
        progress: Mutex::new(Default::default()),
        finished: AtomicU64::new(0),
        cancelled: AtomicU64::new(0),
    });
    // Two async threads are plenty: they only parse requests and wait for the pool.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the web server's runtime")?;
    runtime.block_on(listen(args.host, args.port, state))
}

async fn listen(host: IpAddr, port: u16, state: Arc<api::AppState>) -> Result<()> {
    let addr = SocketAddr::new(host, port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another server using the port? try --port 0)")
    })?;
    let local = listener.local_addr()?;
    if !host.is_loopback() {
        eprintln!(
            "warning: listening on {host}: anyone who can reach this machine can open the page \
             and run simulations on it; there is no login. Use the default 127.0.0.1 unless the \
             room's screen is another machine."
        );
    }
    let shown = match local {
        SocketAddr::V6(a) => format!("http://[{}]:{}/", a.ip(), a.port()),
        SocketAddr::V4(a) => format!("http://{a}/"),
    };
    println!("mlm-sim serve: the workshop page is at {shown} (Ctrl-C stops the server)");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let app = api::router(state.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            stop_signal().await;
            state.cancel_all();
            eprintln!("mlm-sim serve: stopping");
        })
        .await
        .context("the web server failed")?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
