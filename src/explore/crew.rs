//! Worker threads that live as long as a search, each with state of its own (a shard of
//! the visited set) that it keeps between tasks.
//!
//! A search works level by level, in two parallel passes a level. Threads spawned per pass
//! would be started and ended a hundred times a search, and each end hands the thread's
//! allocator heap back (mimalloc collects it): about 6% of a search's time. A crew is
//! started once.

use std::sync::mpsc::{channel, Receiver, Sender};

/// A task for one worker: it runs with the worker's own state.
pub(super) type Task<S, R> = Box<dyn FnOnce(&mut S) -> R + Send>;

/// Where a worker thread takes its tasks and gives back their results.
type Line<S, R> = (Sender<Task<S, R>>, Receiver<R>);

/// A crew: the calling thread is worker 0, each other worker a thread of its own.
pub(super) struct Crew<S, R> {
    own: S,
    workers: Vec<Line<S, R>>,
}

/// Run `body` with a crew of one worker a state of `states` (at least one): the first on
/// the calling thread, the rest on threads that end when `body` returns.
pub(super) fn with_crew<S: Send + 'static, R: Send + 'static, Out>(
    mut states: Vec<S>,
    body: impl FnOnce(&mut Crew<S, R>) -> Out,
) -> Out {
    assert!(!states.is_empty(), "a crew has at least the calling thread");
    let own = states.remove(0);
    std::thread::scope(|scope| {
        let workers = states
            .into_iter()
            .map(|mut state| {
                let (tasks, inbox) = channel::<Task<S, R>>();
                let (outbox, results) = channel::<R>();
                scope.spawn(move || {
                    for task in inbox {
                        if outbox.send(task(&mut state)).is_err() {
                            break;
                        }
                    }
                });
                (tasks, results)
            })
            .collect();
        let mut crew = Crew { own, workers };
        body(&mut crew)
        // The crew is dropped here: its channels close, its threads end, the scope joins them.
    })
}

impl<S, R> Crew<S, R> {
    /// How many workers, the calling thread included.
    pub(super) fn size(&self) -> usize {
        self.workers.len() + 1
    }

    /// Run `tasks[i]` on worker `i`, all at once; the results in the same order.
    pub(super) fn run(&mut self, tasks: Vec<Task<S, R>>) -> Vec<R> {
        assert_eq!(tasks.len(), self.size(), "one task a worker");
        let mut tasks = tasks.into_iter();
        let mine = tasks.next().expect("a task for the calling thread");
        for ((sender, _), task) in self.workers.iter().zip(tasks) {
            sender.send(task).expect("a search worker does not panic");
        }
        let mut results = Vec::with_capacity(self.size());
        results.push(mine(&mut self.own));
        for (_, receiver) in &self.workers {
            results.push(receiver.recv().expect("a search worker does not panic"));
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_worker_keeps_its_own_state_between_tasks() {
        let totals = with_crew(vec![0_u64, 100, 200], |crew: &mut Crew<u64, u64>| {
            for round in 1..=3 {
                let tasks: Vec<Task<u64, u64>> = (0..crew.size())
                    .map(|_| {
                        Box::new(move |state: &mut u64| {
                            *state += round;
                            *state
                        }) as Task<u64, u64>
                    })
                    .collect();
                crew.run(tasks);
            }
            let read: Vec<Task<u64, u64>> =
                (0..crew.size()).map(|_| Box::new(|state: &mut u64| *state) as Task<u64, u64>).collect();
            crew.run(read)
        });
        assert_eq!(totals, vec![6, 106, 206]);
    }
}
