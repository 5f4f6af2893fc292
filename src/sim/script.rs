//! What a scenario scripts: fault events at set times (make faulty, heal, partition,
//! repair on the network model; crash and restart of nodes), explicit requests at set
//! times, and message duplication. Kept apart from the event loop in `mod.rs`, which only dispatches here.

use super::queue::Event;
use super::Simulation;
use crate::protocol::{Instant, Message, NodeId, RequestId};
use crate::scenario::FaultAction;
use crate::sim::Omission;

impl Simulation {
    /// Queue every scheduled fault event and explicit request of the scenario. Events come
    /// before requests at the same instant, each list in file order.
    pub(super) fn schedule_script(&mut self) {
        for index in self.scenario.schedule_order() {
            let at = Instant(self.scenario.schedule[index].at_us());
            self.queue.push(at, Event::Fault { index });
        }
        let mut requests: Vec<usize> = (0..self.scenario.requests.len()).collect();
        requests.sort_by_key(|&index| self.scenario.requests[index].at_us());
        for index in requests {
            self.queue.push(Instant(self.scenario.requests[index].at_us()), Event::Scripted { index });
        }
    }

    /// Whether every request, random and explicit, has been handed to its client.
    pub fn all_issued(&self) -> bool {
        self.workload.finished() && self.scripted_left == 0
    }

    /// Once every request is issued, set the liveness deadline: the budget counts from now,
    /// or from the last scripted event if that is later (faults must be healed first).
    pub(super) fn start_liveness_clock(&mut self) {
        if self.deadline.is_some() || !self.all_issued() {
            return;
        }
        let from = self.now.max(Instant(self.scenario.script_end_us()));
        self.deadline = Some(from.after_us(self.scenario.expect.liveness_budget_us));
    }

    /// Hand the explicit request `requests[index]` to its client.
    pub(super) fn scripted_request(&mut self, index: usize, observer: &mut dyn super::Observer) {
        let spec = &self.scenario.requests[index];
        let (client, request) = (spec.client, spec.request().expect("a validated request names one operation"));
        self.scripted_left -= 1;
        self.start_liveness_clock();
        let id = self.node(client).map(|node| node.next_request_id());
        self.scripted_ids[index] = id;
        self.submit(client, request, observer);
    }

    /// The id the scenario's explicit request `requests[index]` got, once it was submitted.
    pub fn scripted_request_id(&self, index: usize) -> Option<RequestId> {
        self.scripted_ids.get(index).copied().flatten()
    }

    /// Carry out the fault event `schedule[index]` (on the network model, or a crash or a
    /// restart), showing `observer` a restarted node.
    pub(super) fn scheduled_fault(&mut self, index: usize, observer: &mut dyn super::Observer) {
        match self.scenario.schedule[index].action().expect("a validated event names one action") {
            FaultAction::MakeFaulty(fault) => {
                self.set_fault(fault.node, Some(Omission { kind: fault.kind, ratio: fault.ratio }))
            }
            FaultAction::Heal(node) => self.set_fault(node, None),
            FaultAction::Partition(nodes) => self.partition(&nodes),
            FaultAction::Repair => self.repair(),
            // Validation lets a crash name only a node that is up, and a restart one that is down.
            FaultAction::Crash(node) => {
                self.crash(node);
            }
            FaultAction::Restart(node) => {
                self.restart_observed(node, observer);
            }
        }
        self.watch_budget();
    }

    /// Deliver the second `copy` of the message just sent, after `delay_us`, when the network
    /// decided to duplicate it ([`Network::duplicate`](super::network::Network::duplicate)).
    pub(super) fn duplicate(&mut self, from: NodeId, to: NodeId, message: &Message, copy: (super::MessageKey, u64)) {
        let (key, delay_us) = copy;
        self.counters.messages_duplicated += 1;
        let event = Event::Deliver { from, to, message: message.clone(), key };
        self.queue.push(self.now.after_us(delay_us), event);
    }
}
