//! Several replicate companies at once (issue 11, company throughput).
//!
//! Why: one company is parallel inside, but about a third of a month's work is sequential (the
//! market pass, the compensation, the upline links), so a single company leaves the second
//! core idle for that third. Replicates are independent companies, so with several of them the
//! idle core can work on another one.
//!
//! How: at most `at_once` companies are alive at any moment (simulated, or done and waiting for
//! their turn); they run as rayon tasks on the current pool and nest their own parallel phases
//! in it, so a lone company at the end of a run still uses every thread. Whoever finishes a
//! company hands every company that is next in replicate order to `each` (so `participants.csv`
//! streams in replicate order), then starts the replicates that free room allows. No thread
//! ever waits for another: a task never blocks, so nested work stealing cannot deadlock.
//!
//! Why results do not change: a company depends only on (scenario, seed, replicate index) at
//! any thread count (tested in `tests.rs`), the measures are taken per company, and the
//! results come back in replicate order.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::{Company, World};

/// One replicate's callback, run in replicate order on whichever thread hands it over.
pub type Each<'a> = dyn FnMut(u64, &Company) -> anyhow::Result<()> + Send + 'a;

/// Simulate replicates `range` of `world`, at most `at_once` companies alive at a time.
///
/// `measure` runs on the thread that simulated the company (in parallel); `each` runs once per
/// replicate in replicate order, never twice at once. Returns the measures in replicate order.
/// Stops early when `cancel` is set ([`crate::engine::Interrupted`]) or `each` fails (its
/// error); companies already running finish their month first.
pub fn simulate_replicates<T: Send>(
    world: &World,
    range: Range<u64>,
    at_once: usize,
    cancel: &AtomicBool,
    measure: &(dyn Fn(u64, &Company) -> T + Sync),
    each: &mut Each<'_>,
) -> anyhow::Result<Vec<T>> {
    let at_once = at_once.max(1);
    if at_once == 1 || range.end.saturating_sub(range.start) <= 1 {
        // One company at a time, every thread inside it.
        let mut out = Vec::with_capacity(range.end.saturating_sub(range.start) as usize);
        for r in range {
            if cancel.load(Ordering::SeqCst) {
                return Err(crate::engine::Interrupted.into());
            }
            let company = world.simulate_cancellable(r, cancel)?;
            let m = measure(r, &company);
            each(r, &company)?;
            out.push(m);
        }
        return Ok(out);
    }
    let count = (range.end - range.start) as usize;
    let job = Job {
        world,
        first: range.start,
        at_once,
        cancel,
        measure,
        each: Mutex::new(each),
        state: Mutex::new(State {
            done: (0..count).map(|_| None).collect(),
            handed: 0,
            started: 0,
            handing: false,
            failed: None,
        }),
    };
    let shared = &job;
    rayon::scope(|scope| {
        for i in shared.claim(at_once) {
            scope.spawn(move |scope| shared.run(scope, i));
        }
    });
    let state = job.state.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = state.failed {
        return Err(e);
    }
    if cancel.load(Ordering::SeqCst) || state.handed < count {
        return Err(crate::engine::Interrupted.into());
    }
    Ok(state
        .done
        .into_iter()
        .map(|d| match d {
            Some(Done::Handed(m)) => m,
            // `handed == count`: every slot was handed over.
            _ => unreachable!("a replicate was not handed over"),
        })
        .collect())
}

/// A replicate's slot: its company waiting for its turn, then only its measure.
enum Done<T> {
    Waiting(Box<Company>, T),
    Handed(T),
}

struct State<T> {
    /// By position in the range.
    done: Vec<Option<Done<T>>>,
    /// Replicates handed to `each` so far (a prefix of the range).
    handed: usize,
    /// Replicates started so far (a prefix of the range).
    started: usize,
    /// Whether a thread is handing companies over now.
    handing: bool,
    /// The first error (a company interrupted, or `each` failed): nothing more starts.
    failed: Option<anyhow::Error>,
}

struct Job<'a, 'e, T> {
    world: &'a World,
    first: u64,
    at_once: usize,
    cancel: &'a AtomicBool,
    measure: &'a (dyn Fn(u64, &Company) -> T + Sync),
    each: Mutex<&'a mut Each<'e>>,
    state: Mutex<State<T>>,
}

impl<'a, 'e, T: Send> Job<'a, 'e, T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        // A panic elsewhere poisons the lock; rayon re-raises that panic after the scope.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Start up to `room` more replicates, keeping at most `at_once` alive (started and not
    /// yet handed over).
    fn claim(&self, room: usize) -> Range<usize> {
        let mut s = self.lock();
        if s.failed.is_some() || self.cancel.load(Ordering::SeqCst) {
            return 0..0;
        }
        let end = (s.handed + self.at_once)
            .min(s.done.len())
            .min(s.started + room);
        let claimed = s.started..end.max(s.started);
        s.started = claimed.end;
        claimed
    }

    fn run<'s>(&'s self, scope: &rayon::Scope<'s>, i: usize) {
        let r = self.first + i as u64;
        let done = self
            .world
            .simulate_cancellable(r, self.cancel)
            .map(|company| {
                let m = (self.measure)(r, &company);
                Done::Waiting(Box::new(company), m)
            });
        let hand_over = {
            let mut s = self.lock();
            match done {
                Ok(d) => s.done[i] = Some(d),
                Err(e) => {
                    s.failed.get_or_insert(e.into());
                }
            }
            // Become the one who hands over, unless someone already is (they will see this
            // company before they stop: they look again under the same lock).
            let me = !s.handing;
            s.handing = true;
            me
        };
        if hand_over {
            self.hand_over(scope);
        }
    }

    /// Hand every company that is next in order to `each`, starting a new replicate for each
    /// one handed over; stop when the next one is not done yet.
    fn hand_over<'s>(&'s self, scope: &rayon::Scope<'s>) {
        loop {
            let next = {
                let mut s = self.lock();
                let i = s.handed;
                let ready =
                    s.failed.is_none() && matches!(s.done.get(i), Some(Some(Done::Waiting(..))));
                if !ready {
                    s.handing = false;
                    return;
                }
                match s.done[i].take() {
                    Some(Done::Waiting(company, m)) => (i, company, m),
                    _ => unreachable!("checked above"),
                }
            };
            let (i, company, m) = next;
            let r = self.first + i as u64;
            let result = {
                let mut each = self.each.lock().unwrap_or_else(|e| e.into_inner());
                each(r, &company)
            };
            drop(company);
            {
                let mut s = self.lock();
                s.done[i] = Some(Done::Handed(m));
                s.handed += 1;
                if let Err(e) = result {
                    s.failed.get_or_insert(e);
                }
            }
            for j in self.claim(1) {
                scope.spawn(move |scope| self.run(scope, j));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::report::ReplicateSummary;

    fn world() -> World {
        // Small but with quits, ranks, customers and a finite market, so replicates differ.
        let text = "name='r'\nkind='company'\nseed=3\n[company]\nfounders=30\nyears=3\nreplicates=7\n\
            [market]\nsize=40000\nrecontact_after_months=6\n[prospecting]\ncontacts_per_month=8\n\
            join_probability=0.04\ncustomer_probability=0.05\n[economics]\ncommission_rates=[0.05,0.03]\n\
            [plan]\nrank_group_volume=[2000,6000]\nrank_override=[0.02,0.04]\n\
            [attrition]\nlife_events_per_month=0.04\n";
        let s = crate::scenario::parse(text, "r.toml", &[]).unwrap_or_else(|e| panic!("{e}"));
        World::new(&s).unwrap()
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    /// Summaries and the order of `each`, for replicates `range` at `at_once` on `threads`.
    fn run(
        w: &World,
        range: Range<u64>,
        at_once: usize,
        threads: usize,
    ) -> (Vec<String>, Vec<u64>) {
        let never = AtomicBool::new(false);
        let mut order = Vec::new();
        let mut rows = Vec::new();
        let summaries = pool(threads).install(|| {
            simulate_replicates(
                w,
                range,
                at_once,
                &never,
                &|r, c| ReplicateSummary::new(r, c, w.settings()),
                &mut |r, c| {
                    order.push(r);
                    rows.push(c.members.len() as u64 * 1_000_003 + c.person_months);
                    Ok(())
                },
            )
        });
        let summaries = summaries.unwrap();
        let text = summaries
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        assert_eq!(rows.len(), order.len());
        (text, order)
    }

    /// Several companies at once give the same summaries, in replicate order, as one at a
    /// time, at any thread count and any split of the replicates into ranges.
    #[test]
    fn companies_at_once_change_nothing() {
        let w = world();
        let (alone, order) = run(&w, 0..7, 1, 1);
        assert_eq!(order, (0..7).collect::<Vec<_>>());
        for (at_once, threads) in [(2, 1), (2, 2), (3, 2), (7, 2), (9, 3)] {
            let (many, order) = run(&w, 0..7, at_once, threads);
            assert_eq!(
                order,
                (0..7).collect::<Vec<_>>(),
                "{at_once} at once, {threads} threads"
            );
            assert_eq!(many, alone, "{at_once} at once on {threads} threads");
        }
        let (head, _) = run(&w, 0..3, 2, 2);
        let (tail, order) = run(&w, 3..7, 3, 2);
        assert_eq!(order, vec![3, 4, 5, 6]);
        assert_eq!([head, tail].concat(), alone);
    }

    /// A failing callback stops the run with its error, and a set flag stops it as
    /// interrupted; neither hands anything over out of order.
    #[test]
    fn a_failure_or_a_cancel_stops_the_run() {
        let w = world();
        let never = AtomicBool::new(false);
        let mut seen = Vec::new();
        let failed = pool(2).install(|| {
            simulate_replicates(&w, 0..7, 2, &never, &|r, _| r, &mut |r, _| {
                seen.push(r);
                if r == 2 {
                    anyhow::bail!("disk full at {r}");
                }
                Ok(())
            })
        });
        assert_eq!(failed.unwrap_err().to_string(), "disk full at 2");
        assert_eq!(seen, vec![0, 1, 2]);
        let stop = AtomicBool::new(true);
        let stopped = pool(2)
            .install(|| simulate_replicates(&w, 0..7, 3, &stop, &|r, _| r, &mut |_, _| Ok(())));
        assert!(stopped
            .unwrap_err()
            .downcast_ref::<crate::engine::Interrupted>()
            .is_some());
    }
}
