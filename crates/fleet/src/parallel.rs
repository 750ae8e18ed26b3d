//! Work over many bundles on every core, results handed on in the order given: memory holds
//! a few results, not all of them, and the output does not depend on which worker was first.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Runs `work` on each item on up to `workers` threads and gives each result to `sink` in
/// the items' order. A `sink` error stops the run (workers finish the item they hold) and
/// is returned.
pub fn in_order<T, R, E>(
    items: &[T],
    workers: usize,
    work: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(usize, R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let workers = workers.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::sync_channel::<(usize, R)>(workers * 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let send = send.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if send.send((i, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut pending = BTreeMap::new();
        let mut written = 0;
        for (i, result) in receive {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&written) {
                sink(written, result)?;
                written += 1;
            }
        }
        Ok(())
    })
}

/// The cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_order_given_whatever_finishes_first() {
        let items: Vec<u64> = (0..200).collect();
        let mut seen = Vec::new();
        in_order(
            &items,
            4,
            |&i| {
                // Early items take longest, so workers finish out of order.
                std::thread::sleep(std::time::Duration::from_micros((200 - i) * 20));
                i * 2
            },
            |index, r| {
                seen.push((index, r));
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            items
                .iter()
                .map(|&i| (i as usize, i * 2))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let items: Vec<u32> = (0..1000).collect();
        let mut count = 0;
        let r = in_order(
            &items,
            2,
            |&i| i,
            |_, i| {
                count += 1;
                if i == 10 { Err(i) } else { Ok(()) }
            },
        );
        assert_eq!(r, Err(10));
        assert_eq!(count, 11);
    }

    #[test]
    fn no_items_no_work() {
        let items: Vec<u32> = Vec::new();
        let r = in_order(&items, 8, |&i| i, |_, _| Err::<(), ()>(()));
        assert_eq!(r, Ok(()));
    }
}
