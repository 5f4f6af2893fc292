//! A tokensim scenario, run inside turmoil: its world, its scheduled faults, its explicit
//! requests (role changes included) and its random workload.
//!
//! Every node, client or server, is a turmoil host that runs as long as the run does: a
//! node's role can change (a client that becomes a server must go on serving), so no node
//! can leave early. A client issues random `gettokens` and `pay` requests at random gaps
//! (the shape of tokensim's own random workload, drawn from one seeded ChaCha8 stream shared
//! by every client), skipping its turns while it is a server or down, and each node is
//! handed the scenario's explicit requests for it at their times. The faults come from the
//! scenario's [`FaultPlan`]. A driver, the one turmoil client, ends the run once every
//! request is issued and each is answered or lost in a crash, or once the scenario's
//! liveness budget has passed since the last was issued, as tokensim's own run ends.
//!
//! The random workload asks for no role changes (`role_change_ratio` is ignored): only
//! explicit requests change roles here.

use crate::faults::FaultPlan;
use crate::host::{below, chance, host_name, Answer, Host};
use crate::journal::{Journal, Loss};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use tokensim::check::history::OpHistory;
use tokensim::protocol::{
    ClientOptions, Config, Epoch, Instant, Node, NodeId, Outcome, Request, RequestId, TokenId, TokenValue,
};
use tokensim::scenario::{Scenario, World};
use tokensim::sim::RandomWorkloadOptions;

/// What one run in turmoil did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TurmoilRun {
    /// Requests issued: random and explicit.
    pub issued: u64,
    /// Every answer, in the order the nodes gave them.
    pub answers: Vec<String>,
    /// Simulated time at the end, in microseconds.
    pub end_us: u64,
    /// The requests crashes lost (never answered, owed no answer).
    pub lost: Vec<RequestId>,
    /// Requests issued and neither answered nor lost when the run ended.
    pub unanswered: u64,
    /// The highest-versioned value of each token on any replica at the end, as tokensim's
    /// `Simulation::final_table` gives it.
    pub final_table: Vec<TokenValue>,
    /// Every started request with its answer, for tokensim's checkers.
    pub history: OpHistory,
    /// Messages lost to faults, by why.
    pub losses: BTreeMap<Loss, u64>,
}

/// The random requests: how many are left, and who the clients believe owns each token.
struct Workload {
    options: RandomWorkloadOptions,
    rng: ChaCha8Rng,
    believed_owner: Vec<NodeId>,
    clients: Vec<NodeId>,
    issued: u64,
}

impl Workload {
    fn finished(&self) -> bool {
        self.issued >= self.options.requests
    }

    fn next_gap_us(&mut self) -> u64 {
        below(&mut self.rng, self.options.gap_us_max + 1)
    }

    fn next_request(&mut self, client: NodeId) -> Request {
        self.issued += 1;
        if !chance(&mut self.rng, self.options.pay_ratio) {
            let owner = self.clients[below(&mut self.rng, self.clients.len() as u64) as usize];
            return Request::GetTokens { owner };
        }
        let owned: Vec<usize> = (0..self.believed_owner.len()).filter(|&t| self.believed_owner[t] == client).collect();
        let token = match owned.is_empty() || chance(&mut self.rng, self.options.stray_pay_ratio) {
            true => below(&mut self.rng, self.believed_owner.len() as u64) as usize,
            false => owned[below(&mut self.rng, owned.len() as u64) as usize],
        };
        let others: Vec<NodeId> = self.clients.iter().copied().filter(|&c| c != client).collect();
        let to = others[below(&mut self.rng, others.len() as u64) as usize];
        Request::Pay { token: TokenId(token as u32), to }
    }

    fn observe(&mut self, answer: &Answer) {
        match (&answer.request, &answer.outcome) {
            (Request::Pay { to, .. }, Outcome::Paid { token, .. }) => self.believed_owner[token.0 as usize] = *to,
            (_, Outcome::Tokens { owner, tokens }) => {
                tokens.iter().for_each(|(token, _)| self.believed_owner[token.0 as usize] = *owner)
            }
            _ => {}
        }
    }
}

/// Run `scenario` in turmoil, seeded with `seed`: its servers, clients and owners, its
/// faults from the start and scheduled (omission, crash and restart, partition and repair),
/// message delays, retransmission timeout, explicit requests (role changes included) and
/// random workload. Link loss and duplication are not modelled here.
pub fn run_in_turmoil(scenario: &Scenario, seed: u64) -> Result<TurmoilRun, Box<dyn std::error::Error>> {
    let world = scenario.world(&scenario.name)?;
    let mut sim = turmoil::Builder::new()
        .rng_seed(seed)
        .simulation_duration(Duration::from_secs(24 * 3600))
        .min_message_latency(Duration::from_micros(scenario.network.delay_us_min))
        .max_message_latency(Duration::from_micros(scenario.network.delay_us_max))
        .udp_capacity(4096)
        .build();
    let options = node_options(scenario, &world);
    let plan = Rc::new(FaultPlan::of(scenario, world.nodes().len()));
    let journal = Rc::new(RefCell::new(Journal::default()));
    let workload = Rc::new(RefCell::new(Workload {
        options: scenario.random_workload(),
        rng: ChaCha8Rng::seed_from_u64(seed),
        believed_owner: world.owners.clone(),
        clients: world.clients.clone(),
        issued: 0,
    }));
    let mut nodes = Vec::new();
    for id in world.nodes() {
        let node = Rc::new(RefCell::new(match world.servers.contains(&id) {
            true => options.server(id),
            false => options.client(id),
        }));
        nodes.push(Rc::clone(&node));
        let part = NodePart {
            node,
            plan: Rc::clone(&plan),
            journal: Rc::clone(&journal),
            workload: Rc::clone(&workload),
            script: script_of(scenario, id),
            takes_turns: world.clients.contains(&id),
            seed,
        };
        sim.host(host_name(id), move || run_node(part.clone()));
    }
    let ending = Ending {
        journal: Rc::clone(&journal),
        workload: Rc::clone(&workload),
        scripted: scenario.requests.len() as u64,
        script_end: Instant(scenario.script_end_us()),
        liveness_budget_us: scenario.expect.liveness_budget_us,
    };
    sim.client("driver", ending.wait());
    sim.run()?;
    let journal = journal.borrow();
    Ok(TurmoilRun {
        issued: journal.submitted_count(),
        answers: journal.answers.clone(),
        end_us: sim.elapsed().as_micros() as u64,
        lost: journal.lost_requests().to_vec(),
        unanswered: journal.open(),
        final_table: final_table(&world, &nodes),
        history: journal.op_history(&world.owners),
        losses: journal.losses.clone(),
    })
}

/// The explicit requests of `scenario` for node `id`, in the order they come.
fn script_of(scenario: &Scenario, id: NodeId) -> Vec<(Instant, Request)> {
    let mut script: Vec<(Instant, Request)> = scenario
        .requests
        .iter()
        .filter(|spec| spec.client == id)
        .filter_map(|spec| Some((Instant(spec.at_us()), spec.request()?)))
        .collect();
    script.sort_by_key(|(at, _)| *at); // stable: requests of one instant in file order
    script
}

/// The highest-versioned value of each token held by any replica.
fn final_table(world: &World, nodes: &[Rc<RefCell<Node>>]) -> Vec<TokenValue> {
    let mut table: Vec<TokenValue> = world.owners.iter().map(|&owner| TokenValue::initial(owner)).collect();
    for node in nodes {
        let node = node.borrow();
        let Some(replica) = node.replica() else { continue };
        for (slot, value) in table.iter_mut().zip(replica.table()) {
            if value.version > slot.version {
                *slot = *value;
            }
        }
    }
    table
}

/// What one node's host needs.
#[derive(Clone)]
struct NodePart {
    node: Rc<RefCell<Node>>,
    plan: Rc<FaultPlan>,
    journal: Rc<RefCell<Journal>>,
    workload: Rc<RefCell<Workload>>,
    script: Vec<(Instant, Request)>,
    /// Whether the random workload gives this node turns (the world's clients).
    takes_turns: bool,
    seed: u64,
}

/// One node, for as long as the run lasts: it serves while it is a server, takes its turns
/// of the random workload while it is a client, and is handed its explicit requests.
async fn run_node(part: NodePart) -> turmoil::Result {
    let NodePart { node, plan, journal, workload, script, takes_turns, seed } = part;
    let mut host = Host::bind(node, plan, journal, seed).await?;
    let mut next_turn = takes_turns.then(|| Instant(workload.borrow_mut().next_gap_us()));
    let mut script = script.into_iter().peekable();
    loop {
        if workload.borrow().finished() {
            next_turn = None;
        }
        let next_scripted = script.peek().map(|(at, _)| *at);
        let answers = host.run_until([next_turn, next_scripted].into_iter().flatten().min()).await?;
        answers.iter().for_each(|answer| workload.borrow_mut().observe(answer));
        let now = Host::now();
        while let Some((_, request)) = script.next_if(|(at, _)| *at <= now) {
            // Validation refuses a request to a node that is down, so this always submits.
            if !host.is_down() {
                host.submit(request).await?;
            }
        }
        if next_turn.is_some_and(|turn| turn <= now) && !workload.borrow().finished() {
            // A server or a node that is down waits for its next turn, as in tokensim.
            if host.may_issue() {
                let request = workload.borrow_mut().next_request(host.id());
                host.submit(request).await?;
            }
            next_turn = Some(now.after_us(workload.borrow_mut().next_gap_us()));
        }
    }
}

/// When the run ends: once every request is issued and each is answered or lost, or once
/// the liveness budget has passed since the last was issued (or since the last scheduled
/// event, if that is later). A random workload that nobody can go on issuing (every client
/// a server or down) ends it a liveness budget after its last request too.
struct Ending {
    journal: Rc<RefCell<Journal>>,
    workload: Rc<RefCell<Workload>>,
    scripted: u64,
    script_end: Instant,
    liveness_budget_us: u64,
}

impl Ending {
    /// The driver: look every simulated millisecond, and return when the run is over.
    async fn wait(self) -> turmoil::Result {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let now = Host::now();
            let journal = self.journal.borrow();
            let issued = journal.submitted_count();
            let random_issued = self.workload.borrow().issued;
            let all_issued = self.workload.borrow().finished() && issued >= self.scripted + random_issued;
            if all_issued && journal.open() == 0 {
                return Ok(());
            }
            let from = journal.last_submitted_at().max(self.script_end);
            if now.since_us(from) > self.liveness_budget_us {
                return Ok(());
            }
        }
    }
}

/// How to build the world's nodes.
struct NodeOptions {
    config: Config,
    table: Vec<TokenValue>,
    client: ClientOptions,
}

impl NodeOptions {
    fn server(&self, id: NodeId) -> Node {
        Node::new_server(id, self.config.clone(), self.table.clone(), self.client.clone())
    }

    fn client(&self, id: NodeId) -> Node {
        Node::new_client(id, self.config.clone(), self.client.clone())
    }
}

fn node_options(scenario: &Scenario, world: &World) -> NodeOptions {
    let table: Vec<TokenValue> = world.owners.iter().map(|&owner| TokenValue::initial(owner)).collect();
    let client = ClientOptions {
        retransmit_timeout_us: scenario.client.retransmit_timeout_us,
        token_count: table.len() as u32,
        nodes: world.nodes().into(),
        variant: scenario.variant,
    };
    NodeOptions { config: Config::new(Epoch(0), world.servers.clone()), table, client }
}
