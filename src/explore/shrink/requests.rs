//! The explicit phase: the random workload becomes the `[[requests]]` the run submitted,
//! which are then delta-debugged and compacted.

use super::knobs::remap_nodes;
use super::Shrinker;
use crate::protocol::{NodeId, TokenId};
use crate::scenario::RequestSpec;

/// Replace the random workload with the requests the current case's run submitted, each
/// at its submission time by its client; whether that still fails (and was kept).
pub(super) fn make_explicit(shrinker: &mut Shrinker<'_>) -> bool {
    let Some(history) = shrinker.current_history() else {
        return false;
    };
    let requests: Vec<RequestSpec> = history
        .records()
        .map(|record| RequestSpec::new(record.submitted_at.0, record.id.client, record.request))
        .collect();
    if requests.is_empty() {
        return false;
    }
    let mut candidate = shrinker.current.clone();
    candidate.workload = None;
    candidate.requests = requests;
    shrinker.attempt("explicit requests", candidate)
}

/// Every explicit-phase pass once; whether any change was kept.
pub(super) fn minimise(shrinker: &mut Shrinker<'_>) -> bool {
    let passes: [fn(&mut Shrinker<'_>) -> bool; 4] = [delta_debug, unused_tokens, merge_clients, earlier_times];
    passes.into_iter().fold(false, |changed, pass| pass(shrinker) | changed)
}

/// Remove chunks of requests while the case still fails, halving the chunks down to single
/// requests (Zeller's ddmin, complements only). At least one request is kept: with none,
/// the scenario's default random workload would run instead.
fn delta_debug(shrinker: &mut Shrinker<'_>) -> bool {
    let mut changed = false;
    let mut chunks = 2;
    loop {
        let len = shrinker.current.requests.len();
        if len < 2 {
            return changed;
        }
        let size = len.div_ceil(chunks.min(len));
        let removed = (0..len).step_by(size).any(|start| {
            shrinker.attempt_edit("fewer requests", |candidate| {
                candidate.requests.drain(start..(start + size).min(len));
                true
            })
        });
        if removed {
            changed = true;
            chunks = (chunks - 1).max(2);
        } else if size == 1 {
            return changed;
        } else {
            chunks = (chunks * 2).min(len);
        }
    }
}

/// Keep only the tokens some pay names, renumbered in order, each with its initial owner.
fn unused_tokens(shrinker: &mut Shrinker<'_>) -> bool {
    let Ok(world) = shrinker.current.world(&shrinker.current.name) else {
        return false;
    };
    let mut used: Vec<TokenId> =
        shrinker.current.requests.iter().filter_map(|spec| spec.pay.as_ref()).map(|pay| pay.token).collect();
    used.sort_unstable();
    used.dedup();
    if used.is_empty() {
        used.push(TokenId(0));
    }
    if used.len() == world.owners.len() {
        return false;
    }
    shrinker.attempt_edit("fewer tokens", |candidate| {
        candidate.world.tokens_per_client = None;
        candidate.world.owners = used.iter().map(|token| world.owners[token.0 as usize]).collect();
        for pay in candidate.requests.iter_mut().filter_map(|spec| spec.pay.as_mut()) {
            let index = used.binary_search(&pay.token).expect("every paid token is kept");
            pay.token = TokenId(index as u32);
        }
        true
    })
}

/// Fewer clients: each client, last first, is merged into an earlier one (whatever named it
/// names that one instead, its tokens included); later ids move down.
fn merge_clients(shrinker: &mut Shrinker<'_>) -> bool {
    let mut changed = false;
    for client in (2..=shrinker.current.world.clients).rev() {
        for into in 1..client {
            let Ok(world) = shrinker.current.world(&shrinker.current.name) else {
                return changed;
            };
            if client as usize > world.clients.len() {
                break;
            }
            let kept = shrinker.attempt_edit("fewer clients", |candidate| {
                candidate.world.tokens_per_client = None;
                candidate.world.owners = world.owners.clone();
                candidate.world.clients -= 1;
                remap_nodes(candidate, |node| match node.0 {
                    id if id == client => Some(NodeId(into)),
                    id if id > client => Some(NodeId(id - 1)),
                    _ => Some(node),
                })
            });
            if kept {
                changed = true;
                break;
            }
        }
    }
    changed
}

/// Move every request earlier by the first one's time, then round each time down to a
/// whole millisecond where that still fails (easier to read).
fn earlier_times(shrinker: &mut Shrinker<'_>) -> bool {
    if !shrinker.current.schedule.is_empty() {
        return false; // requests keep their place relative to the scheduled faults
    }
    let first = shrinker.current.requests.iter().map(RequestSpec::at_us).min().unwrap_or(0);
    let mut changed = shrinker.attempt_edit("earlier requests", |candidate| {
        for spec in &mut candidate.requests {
            retime(spec, spec.at_us() - first);
        }
        first > 0
    });
    for index in 0..shrinker.current.requests.len() {
        changed |= shrinker.attempt_edit("rounder times", |candidate| {
            let spec = &mut candidate.requests[index];
            std::mem::take(&mut spec.plus_us) > 0
        });
    }
    changed
}

fn retime(spec: &mut RequestSpec, at_us: u64) {
    spec.at_ms = at_us / 1000;
    spec.plus_us = at_us % 1000;
}
