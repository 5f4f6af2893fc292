//! A tokensim scenario's world and random workload, run inside turmoil.
//!
//! Servers are turmoil hosts that serve forever; clients are turmoil clients that issue
//! random `gettokens` and `pay` requests at random gaps (the shape of tokensim's own random
//! workload, drawn from one seeded ChaCha8 stream shared by every client) and finish once
//! the workload is issued and their requests are answered. The run ends when every client
//! has finished.

use crate::host::{below, chance, host_name, Answer, Host};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use tokensim::protocol::{ClientOptions, Config, Epoch, Instant, Node, NodeId, Outcome, Request, TokenId, TokenValue};
use tokensim::scenario::{Scenario, World};
use tokensim::sim::{Omission, RandomWorkloadOptions};

/// What one run in turmoil did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TurmoilRun {
    /// Requests issued.
    pub issued: u64,
    /// Every answer, in the order the clients got them.
    pub answers: Vec<String>,
    /// Simulated time at the end, in microseconds.
    pub end_us: u64,
}

/// The random requests: how many are left, and who the clients believe owns each token.
struct Workload {
    options: RandomWorkloadOptions,
    rng: ChaCha8Rng,
    believed_owner: Vec<NodeId>,
    clients: Vec<NodeId>,
    run: TurmoilRun,
}

impl Workload {
    fn finished(&self) -> bool {
        self.run.issued >= self.options.requests
    }

    fn next_gap_us(&mut self) -> u64 {
        below(&mut self.rng, self.options.gap_us_max + 1)
    }

    fn next_request(&mut self, client: NodeId) -> Request {
        self.run.issued += 1;
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
        let line = format!("{} {:?} {:?}", answer.id, answer.request, answer.outcome);
        self.run.answers.push(line);
    }
}

/// Run `scenario`'s world and random workload (its first `requests` requests) in turmoil,
/// seeded with `seed`. Uses the scenario's servers, clients, owners, omission faults,
/// message delays, retransmission timeout and workload shape; scheduled faults and
/// explicit requests are not supported here.
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
    let omissions: Vec<(NodeId, Omission)> = scenario.omissions().collect();
    let omission_of = |id: NodeId| omissions.iter().find(|(server, _)| *server == id).map(|(_, o)| *o);
    for &id in &world.servers {
        let (node, omission) = (options.server(id), omission_of(id));
        sim.host(host_name(id), move || {
            let node = node.clone();
            async move {
                let mut host = Host::bind(node, omission, seed).await?;
                host.run_until(None).await?;
                Ok(())
            }
        });
    }
    let workload = Rc::new(RefCell::new(Workload {
        options: scenario.random_workload(),
        rng: ChaCha8Rng::seed_from_u64(seed),
        believed_owner: world.owners.clone(),
        clients: world.clients.clone(),
        run: TurmoilRun::default(),
    }));
    for &id in &world.clients {
        let (node, workload) = (options.client(id), Rc::clone(&workload));
        sim.client(host_name(id), async move { run_client(node, workload, seed).await });
    }
    sim.run()?;
    let mut run = std::mem::take(&mut workload.borrow_mut().run);
    run.end_us = sim.elapsed().as_micros() as u64;
    Ok(run)
}

/// One client: issue requests at random gaps while any are left, then wait for its own.
async fn run_client(node: Node, workload: Rc<RefCell<Workload>>, seed: u64) -> turmoil::Result {
    let mut host = Host::bind(node, None, seed).await?;
    let mut next_arrival = Instant(workload.borrow_mut().next_gap_us());
    let mut open = 0_u64;
    loop {
        let issuing = !workload.borrow().finished();
        if !issuing && open == 0 {
            return Ok(());
        }
        let answers = host.run_until(issuing.then_some(next_arrival)).await?;
        open -= answers.len() as u64;
        answers.iter().for_each(|answer| workload.borrow_mut().observe(answer));
        if issuing && Host::now() >= next_arrival && !workload.borrow().finished() {
            let request = workload.borrow_mut().next_request(host.node().id());
            open += 1;
            host.submit(request).await?;
            next_arrival = Host::now().after_us(workload.borrow_mut().next_gap_us());
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
        nodes: world.nodes(),
        variant: scenario.variant,
    };
    NodeOptions { config: Config::new(Epoch(0), world.servers.clone()), table, client }
}
