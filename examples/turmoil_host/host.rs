//! The reusable part: one tokensim [`Node`] hosted on a turmoil host.
//!
//! The pure core never does I/O and never reads a clock, so hosting it is three small jobs:
//! - **time**: the core's `Instant` is turmoil's simulated time since the start, in
//!   microseconds (`turmoil::sim_elapsed`); a `SetTimer` output becomes an entry in a heap
//!   of deadlines that the host sleeps towards with `tokio::time`;
//! - **network**: a `Send` output becomes one UDP datagram, JSON-encoded as
//!   `[from, message]` (the message enums are internally tagged, which JSON supports);
//! - **faults**: the host asks the scenario's [`FaultPlan`] what holds at each instant. It
//!   drops its own datagrams with the node's omission ratio of the moment (drawn from a
//!   seeded ChaCha8 stream, so runs stay deterministic), and those a partition cuts when
//!   they are sent; a node that is down receives nothing and its timers are dropped, it
//!   loses the requests it had, and it comes back from its durable state
//!   ([`Node::restart`]) when the plan restarts it.
//!
//! The node is shared (`Rc<RefCell<Node>>`) so that the world can read its replica once the
//! run is over; turmoil runs every host on one thread. Every node listens on [`PORT`] at
//! the turmoil host named by [`host_name`].

use crate::faults::FaultPlan;
use crate::journal::{Journal, Loss};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokensim::protocol::{Instant, Message, Node, NodeId, Outcome, Output, Outputs, Request, RequestId, Timer};
use tokensim::sim::{OmissionKind, Ratio};
use turmoil::net::UdpSocket;

/// The UDP port every node listens on.
pub const PORT: u16 = 9000;

/// The largest datagram a node sends (an `Install` of a big table would need more; the
/// default world's messages stay far below).
const DATAGRAM_BYTES_MAX: usize = 65_507;

/// The turmoil host name of node `id` ("n7" for node 7).
pub fn host_name(id: NodeId) -> String {
    format!("n{}", id.0)
}

/// An answer the node gave its application.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The request answered.
    pub id: RequestId,
    /// What it asked.
    pub request: Request,
    /// The answer.
    pub outcome: Outcome,
}

/// A timer the node set, ordered by deadline, then by the order it was set in.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Deadline {
    at: Instant,
    sequence: u64,
    timer: TimerKey,
}

/// [`Timer`] is not `Ord`; the heap orders by (at, sequence), which are unique, so this
/// only needs to carry the timer along.
#[derive(Debug, PartialEq, Eq)]
struct TimerKey(Timer);

impl PartialOrd for TimerKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TimerKey {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// What woke the host up.
enum Wake {
    Datagram(usize),
    Deadline,
}

/// One node on one turmoil host: its socket, its timers, and the faults it lives under.
pub struct Host {
    id: NodeId,
    node: Rc<RefCell<Node>>,
    socket: UdpSocket,
    outputs: Outputs,
    timers: BinaryHeap<Reverse<Deadline>>,
    timers_set: u64,
    plan: Rc<FaultPlan>,
    journal: Rc<RefCell<Journal>>,
    down: bool,
    rng: ChaCha8Rng,
    buffer: Vec<u8>,
    answers: Vec<Answer>,
}

impl Host {
    /// Bind node `node`'s socket. It lives under the faults of `plan`, drawing its losses
    /// from the ChaCha8 stream of `seed` numbered by its id, and reports to `journal`. Call
    /// from inside a turmoil host.
    pub async fn bind(
        node: Rc<RefCell<Node>>,
        plan: Rc<FaultPlan>,
        journal: Rc<RefCell<Journal>>,
        seed: u64,
    ) -> io::Result<Host> {
        let socket = UdpSocket::bind((std::net::Ipv4Addr::UNSPECIFIED, PORT)).await?;
        let id = node.borrow().id();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(id.0));
        let (outputs, timers, buffer) = (Outputs::new(), BinaryHeap::new(), vec![0; DATAGRAM_BYTES_MAX]);
        let answers = Vec::new();
        let down = false;
        Ok(Host { id, node, socket, outputs, timers, timers_set: 0, plan, journal, down, rng, buffer, answers })
    }

    /// The hosted node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Whether the node could issue a request now: it is a client, and it is up.
    pub fn may_issue(&self) -> bool {
        !self.down && !self.node.borrow().is_server()
    }

    /// Whether the node is down now.
    pub fn is_down(&self) -> bool {
        self.down
    }

    /// The core's time: turmoil's simulated time since the start.
    pub fn now() -> Instant {
        Instant(turmoil::sim_elapsed().expect("inside a turmoil host").as_micros() as u64)
    }

    /// Hand `request` to the node now and carry out what it asks. Nobody hands a request
    /// to a node that is down: the caller checks [`Host::is_down`] first.
    pub async fn submit(&mut self, request: Request) -> io::Result<RequestId> {
        self.journal.borrow_mut().submitted(Self::now());
        let id = self.node.borrow_mut().submit(Self::now(), request, &mut self.outputs);
        self.carry_out().await?;
        Ok(id)
    }

    /// Run the node until `until` (forever with `None`) or until it answers its
    /// application, whichever is first; the answers given.
    pub async fn run_until(&mut self, until: Option<Instant>) -> io::Result<Vec<Answer>> {
        loop {
            self.follow_plan();
            self.fire_due_timers().await?;
            let now = Self::now();
            if !self.answers.is_empty() || until.is_some_and(|until| now >= until) {
                return Ok(std::mem::take(&mut self.answers));
            }
            let crash_or_restart = self.plan.next_crash_or_restart(self.id, now);
            let wake_at = [self.next_deadline(), until, crash_or_restart].into_iter().flatten().min();
            let sleep = wake_at.map_or(Duration::MAX, |at| Duration::from_micros(at.since_us(now)));
            let wake = tokio::select! {
                received = self.socket.recv_from(&mut self.buffer) => Wake::Datagram(received?.0),
                () = tokio::time::sleep(sleep) => Wake::Deadline,
            };
            if let Wake::Datagram(length) = wake {
                self.follow_plan();
                self.receive(length).await?;
            }
        }
    }

    /// Crash or restart the node if the plan says it is down or up now. A crash loses the
    /// requests the node had and its timers (its phases are numbered afresh once it is
    /// back); a restart brings back its durable state.
    fn follow_plan(&mut self) {
        let down = self.plan.is_down(self.id, Self::now());
        if down == self.down {
            return;
        }
        self.down = down;
        let mut node = self.node.borrow_mut();
        match down {
            true => {
                self.journal.borrow_mut().lost(node.requests_in_memory());
                self.timers.clear();
            }
            false => *node = node.restart(),
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse(deadline)| deadline.at)
    }

    async fn fire_due_timers(&mut self) -> io::Result<()> {
        while self.next_deadline().is_some_and(|at| at <= Self::now()) {
            let Reverse(deadline) = self.timers.pop().expect("peeked");
            self.node.borrow_mut().handle_timer(Self::now(), deadline.timer.0, &mut self.outputs);
            self.carry_out().await?;
        }
        Ok(())
    }

    async fn receive(&mut self, length: usize) -> io::Result<()> {
        if self.down {
            self.journal.borrow_mut().message_lost(Loss::Crashed);
            return Ok(());
        }
        if self.loses(OmissionKind::Receive) {
            self.journal.borrow_mut().message_lost(Loss::ReceiverOmission);
            return Ok(());
        }
        let (from, message): (NodeId, Message) = serde_json::from_slice(&self.buffer[..length])?;
        self.node.borrow_mut().handle_message(Self::now(), from, &message, &mut self.outputs);
        self.carry_out().await
    }

    /// Send the node's messages, keep its timers and answers.
    async fn carry_out(&mut self) -> io::Result<()> {
        let mut outputs = std::mem::take(&mut self.outputs);
        for output in outputs.drain() {
            match output {
                Output::Send { to, message } => self.send(to, &message).await?,
                Output::SetTimer { at, timer } => {
                    self.timers_set += 1;
                    let deadline = Deadline { at, sequence: self.timers_set, timer: TimerKey(timer) };
                    self.timers.push(Reverse(deadline));
                }
                Output::Started { id, request } => self.journal.borrow_mut().started(id, request, Self::now()),
                Output::Probe(_) => {}
                Output::Reply { id, request, outcome } => {
                    self.journal.borrow_mut().answered(id, request, &outcome, Self::now());
                    self.answers.push(Answer { id, request, outcome });
                }
            }
        }
        self.outputs = outputs;
        Ok(())
    }

    async fn send(&mut self, to: NodeId, message: &Message) -> io::Result<()> {
        if self.loses(OmissionKind::Send) {
            self.journal.borrow_mut().message_lost(Loss::SenderOmission);
            return Ok(());
        }
        if self.plan.separated(self.id, to, Self::now()) {
            self.journal.borrow_mut().message_lost(Loss::Partition);
            return Ok(());
        }
        let datagram = serde_json::to_vec(&(self.id, message))?;
        let address = SocketAddr::new(turmoil::lookup(host_name(to)), PORT);
        self.socket.send_to(&datagram, address).await?;
        Ok(())
    }

    /// Whether the node's omission fault of the moment loses this message, which goes in
    /// `direction`.
    fn loses(&mut self, direction: OmissionKind) -> bool {
        let Some(omission) = self.plan.omission(self.id, Self::now()) else { return false };
        let applies = omission.kind == OmissionKind::Both || omission.kind == direction;
        applies && chance(&mut self.rng, omission.ratio)
    }
}

/// True with probability `ratio`, from `rng`.
pub fn chance(rng: &mut ChaCha8Rng, ratio: Ratio) -> bool {
    ratio.numerator > 0 && below(rng, u64::from(ratio.denominator)) < u64::from(ratio.numerator)
}

/// A uniform draw from `0..bound` (`bound` > 0), without modulo bias.
pub fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    let zone = u64::MAX - u64::MAX % bound;
    loop {
        let draw = rng.next_u64();
        if draw < zone {
            return draw % bound;
        }
    }
}
