//! Handler-level tests: one client and three servers driven by hand, message by message,
//! with no simulator in between (the `Pair` style of quinn-proto's tests).

use tokensim::protocol::{
    Client, ClientOptions, Config, Epoch, Instant, Message, NodeId, Outcome, Output, Outputs, Refusal, Request, Server,
    Timer, TokenId, TokenSelection, TokenValue, Variant, Version,
};

const TIMEOUT_US: u64 = 1_000;
const CLIENT: NodeId = NodeId(1);
const OTHER: NodeId = NodeId(2);
const SERVERS: [NodeId; 3] = [NodeId(3), NodeId(4), NodeId(5)];

/// A client, three servers, and the outputs the client produced that have not been handled.
struct Bench {
    client: Client,
    servers: Vec<Server>,
    pending: Vec<Output>,
    /// The rare paths the servers reported taking.
    probes: Vec<tokensim::protocol::Probe>,
}

impl Bench {
    /// Tokens 0..4: even ones owned by the client, odd ones by the other client.
    fn new() -> Bench {
        Bench::with_bystanders(0)
    }

    /// [`Bench::new`] in a world with `bystanders` more nodes, ids from 6, that hold nothing.
    fn with_bystanders(bystanders: u32) -> Bench {
        let config = Config::new(Epoch(0), SERVERS.to_vec());
        let table: Vec<TokenValue> =
            (0..4).map(|i| TokenValue::initial(if i % 2 == 0 { CLIENT } else { OTHER })).collect();
        let options = ClientOptions {
            retransmit_timeout_us: TIMEOUT_US,
            token_count: 4,
            nodes: [CLIENT, OTHER, SERVERS[0], SERVERS[1], SERVERS[2]]
                .into_iter()
                .chain((6..6 + bystanders).map(NodeId))
                .collect::<Vec<_>>()
                .into(),
            variant: Variant::Correct,
        };
        let servers = SERVERS.iter().map(|&id| Server::new(id, config.clone(), table.clone())).collect();
        Bench { client: Client::new(CLIENT, config, options), servers, pending: Vec::new(), probes: Vec::new() }
    }

    fn submit(&mut self, request: Request) {
        let mut out = Outputs::new();
        self.client.submit(Instant(0), request, &mut out);
        self.pending.extend(out.drain());
    }

    /// Take the client's pending messages to `server` (dropping the others' untouched).
    fn take_sends_to(&mut self, server: NodeId) -> Vec<Message> {
        let mut taken = Vec::new();
        self.pending.retain(|output| match output {
            Output::Send { to, message } if *to == server => {
                taken.push(message.clone());
                false
            }
            _ => true,
        });
        taken
    }

    /// Lose the client's pending reads to `server` (its writes stay pending).
    fn lose_reads_to(&mut self, server: NodeId) {
        self.pending
            .retain(|output| !matches!(output, Output::Send { to, message: Message::Read { .. } } if *to == server));
    }

    /// Deliver the client's pending messages to `server`; return the server's answers.
    fn serve(&mut self, server: NodeId) -> Vec<Message> {
        let index = SERVERS.iter().position(|&s| s == server).expect("a bench server");
        let mut answers = Vec::new();
        for message in self.take_sends_to(server) {
            let mut out = Outputs::new();
            self.servers[index].handle_message(Instant(0), CLIENT, &message, &mut out);
            answers.extend(out.drain().filter_map(|output| match output {
                Output::Send { to, message } if to == CLIENT => Some(message),
                Output::Probe(probe) => {
                    self.probes.push(probe);
                    None
                }
                other => panic!("a server only answers its sender, got {other:?}"),
            }));
        }
        answers
    }

    /// Hand the client `answers` from `server`.
    fn answer(&mut self, server: NodeId, answers: Vec<Message>) {
        for message in answers {
            let mut out = Outputs::new();
            self.client.handle_message(Instant(10), server, &message, &mut out);
            self.pending.extend(out.drain());
        }
    }

    /// Serve the pending messages of `server` and hand its answers straight back.
    fn round_trip(&mut self, server: NodeId) {
        let answers = self.serve(server);
        self.answer(server, answers);
    }

    fn fire_timer(&mut self) {
        let timer = self
            .pending
            .iter()
            .rev()
            .find_map(|output| match output {
                Output::SetTimer { timer, .. } => Some(*timer),
                _ => None,
            })
            .expect("the client armed a timer");
        let mut out = Outputs::new();
        self.client.handle_timer(Instant(TIMEOUT_US), timer, &mut out);
        self.pending.extend(out.drain());
    }

    /// Fire the client's latest timer a retransmit timeout later each time, losing
    /// everything it sent before, until its outputs satisfy `done` (`true`) or 40 timeouts
    /// have passed (`false`). The outputs of the last firing stay pending.
    fn lose_everything_until(&mut self, done: impl Fn(&[Output]) -> bool) -> bool {
        for tick in 1..=40u64 {
            let Some(timer) = self.pending.iter().rev().find_map(|output| match output {
                Output::SetTimer { timer, .. } => Some(*timer),
                _ => None,
            }) else {
                return false;
            };
            self.pending.clear();
            let mut out = Outputs::new();
            self.client.handle_timer(Instant(tick * TIMEOUT_US), timer, &mut out);
            self.pending.extend(out.drain());
            if done(&self.pending) {
                return true;
            }
        }
        false
    }

    fn replies(&self) -> Vec<Outcome> {
        self.pending
            .iter()
            .filter_map(|output| match output {
                Output::Reply { outcome, .. } => Some(outcome.clone()),
                _ => None,
            })
            .collect()
    }

    fn sends_to(&self, server: NodeId) -> usize {
        self.pending.iter().filter(|o| matches!(o, Output::Send { to, .. } if *to == server)).count()
    }

    fn version_on(&self, server: usize, token: u32) -> TokenValue {
        *self.servers[server].value(TokenId(token)).expect("token exists")
    }
}

#[test]
fn a_read_from_a_unanimous_majority_answers_without_write_back() {
    let mut bench = Bench::new();
    bench.submit(Request::GetTokens { owner: CLIENT });
    assert!(SERVERS.iter().all(|&s| bench.sends_to(s) == 1), "the read goes to every server");
    bench.round_trip(SERVERS[0]);
    assert!(bench.replies().is_empty(), "one answer of three is not a majority");
    bench.round_trip(SERVERS[1]);
    let expected = Outcome::Tokens { owner: CLIENT, tokens: vec![(TokenId(0), Version(1)), (TokenId(2), Version(1))] };
    assert_eq!(bench.replies(), vec![expected]);
    assert!(
        bench.take_sends_to(SERVERS[2]).iter().all(|m| matches!(m, Message::Read { .. })),
        "no write-back was sent"
    );
}

#[test]
fn a_pay_writes_the_next_version_to_a_majority_then_answers_ok() {
    let mut bench = Bench::new();
    bench.submit(Request::Pay { token: TokenId(0), to: OTHER });
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    // The read is done: the client now writes v2 to every server.
    bench.lose_reads_to(SERVERS[2]);
    bench.take_sends_to(SERVERS[1]); // the write to server 1 is lost
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[2]);
    assert_eq!(bench.replies(), vec![Outcome::Paid { token: TokenId(0), version: Version(2) }]);
    for server in [0, 2] {
        let value = bench.version_on(server, 0);
        assert_eq!((value.version, value.owner), (Version(2), OTHER));
        assert_eq!(value.writer.map(|id| id.client), Some(CLIENT));
    }
    assert_eq!(bench.version_on(1, 0).version, Version(1), "server 1 has not received the write yet");
}

#[test]
fn a_lost_message_is_retransmitted_only_to_servers_that_did_not_answer() {
    let mut bench = Bench::new();
    bench.submit(Request::GetTokens { owner: OTHER });
    bench.round_trip(SERVERS[0]);
    // The reads to the other two servers are lost.
    bench.take_sends_to(SERVERS[1]);
    bench.take_sends_to(SERVERS[2]);
    bench.fire_timer();
    assert_eq!(bench.sends_to(SERVERS[0]), 0, "server 0 answered: no resend");
    assert_eq!(bench.sends_to(SERVERS[1]), 1);
    assert_eq!(bench.sends_to(SERVERS[2]), 1);
    bench.round_trip(SERVERS[2]);
    assert_eq!(bench.replies().len(), 1, "the retransmission completed the read");
}

#[test]
fn a_retried_pay_takes_effect_exactly_once() {
    let mut bench = Bench::new();
    bench.submit(Request::Pay { token: TokenId(2), to: OTHER });
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    bench.lose_reads_to(SERVERS[2]);
    bench.take_sends_to(SERVERS[2]); // and the write to server 2 is lost
                                     // The write reaches servers 0 and 1, but both acks are lost.
    let _lost = bench.serve(SERVERS[0]);
    let _lost = bench.serve(SERVERS[1]);
    assert!(bench.replies().is_empty());
    // The timer resends the same write; the servers see it a second time.
    bench.fire_timer();
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    assert_eq!(bench.replies(), vec![Outcome::Paid { token: TokenId(2), version: Version(2) }]);
    for server in [0, 1] {
        assert_eq!(bench.version_on(server, 2).version, Version(2), "applied once, not twice");
    }
    let duplicates = bench.probes.iter().filter(|p| **p == tokensim::protocol::Probe::DuplicateWrite).count();
    assert_eq!(duplicates, 2, "each server reports the second copy of the write as a rare path");
}

#[test]
fn a_read_writes_back_a_value_that_is_not_yet_on_a_majority() {
    let mut bench = Bench::new();
    // Pay token 0 so that only server 0 holds v2 (a partial write).
    bench.submit(Request::Pay { token: TokenId(0), to: OTHER });
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    bench.lose_reads_to(SERVERS[2]);
    bench.round_trip(SERVERS[0]);
    bench.pending.clear(); // the client crashed, say: the write stays partial
    let mut reader =
        Bench { client: Bench::new().client, servers: bench.servers.clone(), pending: Vec::new(), probes: Vec::new() };
    reader.submit(Request::GetTokens { owner: OTHER });
    reader.round_trip(SERVERS[0]);
    reader.round_trip(SERVERS[1]);
    // Server 0 names t0 as OTHER's; server 1, where t0 is still the payer's at v1, does not
    // name it: the first round cannot tell server 1's version, so it confirms t0.
    let confirms = reader.pending.iter().filter_map(|output| match output {
        Output::Send { to, message: Message::Read { tokens: TokenSelection::Tokens(tokens), .. } } => {
            Some((*to, tokens.to_vec()))
        }
        _ => None,
    });
    let confirms: Vec<(NodeId, Vec<TokenId>)> = confirms.collect();
    assert_eq!(confirms, SERVERS.iter().map(|&server| (server, vec![TokenId(0)])).collect::<Vec<_>>());
    reader.round_trip(SERVERS[0]);
    reader.round_trip(SERVERS[1]);
    assert!(reader.replies().is_empty(), "the answer waits for the write-back");
    let write_back = reader.take_sends_to(SERVERS[1]);
    let written = match write_back.as_slice() {
        [Message::Write { values, .. }] => values.clone(),
        other => panic!("expected one write-back, got {other:?}"),
    };
    assert_eq!(written.len(), 1);
    assert_eq!((written[0].0, written[0].1.version), (TokenId(0), Version(2)));
}

#[test]
fn refusals_are_typed_and_need_no_servers_when_the_request_is_malformed() {
    let mut bench = Bench::new();
    bench.submit(Request::Pay { token: TokenId(99), to: OTHER });
    bench.submit(Request::Pay { token: TokenId(0), to: NodeId(42) });
    bench.submit(Request::Pay { token: TokenId(0), to: CLIENT });
    bench.submit(Request::GetTokens { owner: NodeId(42) });
    let expected = vec![
        Outcome::Refused(Refusal::UnknownToken { token: TokenId(99) }),
        Outcome::Refused(Refusal::UnknownClient { node: NodeId(42) }),
        Outcome::Refused(Refusal::SelfPayment { token: TokenId(0) }),
        Outcome::Refused(Refusal::UnknownClient { node: NodeId(42) }),
    ];
    assert_eq!(bench.replies(), expected);
    assert!(SERVERS.iter().all(|&s| bench.sends_to(s) == 0));
}

#[test]
fn paying_a_token_owned_by_someone_else_is_refused_and_changes_nothing() {
    let mut bench = Bench::new();
    bench.submit(Request::Pay { token: TokenId(1), to: OTHER });
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    let refusal = Refusal::NotOwner { token: TokenId(1), owner: OTHER, version: Version(1) };
    assert_eq!(bench.replies(), vec![Outcome::Refused(refusal)]);
    assert!(bench.servers.iter().all(|s| s.value(TokenId(1)) == Some(&TokenValue::initial(OTHER))));
}

#[test]
fn requests_are_worked_on_one_at_a_time_in_order() {
    let mut bench = Bench::new();
    bench.submit(Request::GetTokens { owner: CLIENT });
    bench.submit(Request::GetTokens { owner: OTHER });
    assert_eq!(bench.client.queued().count(), 1, "the second waits its turn");
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    bench.lose_reads_to(SERVERS[2]);
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    let owners: Vec<NodeId> = bench
        .replies()
        .iter()
        .map(|outcome| match outcome {
            Outcome::Tokens { owner, .. } => *owner,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(owners, vec![CLIENT, OTHER]);
    assert!(bench.client.is_idle());
}

#[test]
fn a_stale_timer_is_ignored() {
    let mut bench = Bench::new();
    bench.submit(Request::GetTokens { owner: CLIENT });
    bench.submit(Request::GetTokens { owner: OTHER });
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    assert!(bench.client.current().is_some(), "the second request is now in its first phase");
    let mut out = Outputs::new();
    bench.client.handle_timer(Instant(TIMEOUT_US), Timer::Retransmit { phase: 0 }, &mut out);
    assert!(out.is_empty(), "the first request's phase is over: nothing is resent");
    bench.client.handle_timer(Instant(TIMEOUT_US), Timer::Retransmit { phase: 1 }, &mut out);
    assert!(!out.is_empty(), "the current phase's timer does resend");
}

#[test]
fn a_client_promoted_to_server_runs_the_same_variant_as_everyone() {
    // A node that joins the servers builds its replica from the install it receives; under a
    // broken variant that replica must make the variant's mistake too, or a sweep of that
    // variant tests a mix of protocols.
    for variant in Variant::ALL {
        let options = ClientOptions {
            retransmit_timeout_us: TIMEOUT_US,
            token_count: 2,
            nodes: vec![CLIENT, OTHER, SERVERS[0], SERVERS[1], SERVERS[2]].into(),
            variant,
        };
        let old = Config::new(Epoch(0), SERVERS.to_vec());
        let mut node = tokensim::protocol::Node::new_client(OTHER, old.clone(), options);
        let mut next = old.successor(
            vec![OTHER, SERVERS[0], SERVERS[1], SERVERS[2]],
            tokensim::protocol::Change::Role(tokensim::protocol::RequestId { client: CLIENT, sequence: 1 }),
        );
        next.servers.sort_unstable();
        let install = Message::Install { config: Box::new(next), table: vec![TokenValue::initial(CLIENT); 2].into() };
        let mut out = Outputs::new();
        node.handle_message(Instant(0), CLIENT, &install, &mut out);
        assert!(node.is_server(), "{variant}: the install made it a server");
        assert_eq!(node.replica().map(Server::variant), Some(variant), "{variant}");
    }
}

/// A server sealed in an older configuration answers a newer one's read by naming its own
/// configuration (the client may have to take it over); a server still serving it stays
/// silent, since an install or a repair will bring it the newer one.
#[test]
fn a_sealed_server_tells_a_newer_configuration_it_is_behind_and_a_serving_one_stays_silent() {
    use tokensim::protocol::{Ballot, PhaseTag, RequestId};
    let config = Config::new(Epoch(0), SERVERS.to_vec());
    let table = vec![TokenValue::initial(CLIENT)];
    let mut sealed = Server::new(SERVERS[0], config.clone(), table.clone());
    let mut serving = Server::new(SERVERS[1], config.clone(), table);
    let mut out = Outputs::new();
    let seal = Message::Seal { epoch: Epoch(0), ballot: Ballot { round: 1, node: OTHER } };
    sealed.handle_message(Instant(0), OTHER, &seal, &mut out);
    assert!(sealed.is_sealed());
    out.drain().for_each(drop);
    let tag = PhaseTag { request: RequestId { client: CLIENT, sequence: 1 }, phase: 1 };
    let read = Message::Read { epoch: Epoch(1), tag, tokens: TokenSelection::One(TokenId(0)) };
    sealed.handle_message(Instant(1), CLIENT, &read, &mut out);
    let answers: Vec<Output> = out.drain().collect();
    assert!(
        matches!(&answers[..], [Output::Send { to: CLIENT, message: Message::SealedBehind { config: named } }] if **named == config),
        "{answers:?}"
    );
    serving.handle_message(Instant(1), CLIENT, &read, &mut out);
    assert_eq!(out.drain().count(), 0, "a serving replica of the older configuration says nothing");
}

/// A request the hosting node refuses for its role (it became a server while its client was
/// busy) waits its turn: one request at a time, as the history requires of every client.
#[test]
fn a_refusal_for_the_node_role_waits_for_the_request_in_progress() {
    let mut bench = Bench::new();
    bench.submit(Request::GetTokens { owner: CLIENT });
    let mut out = Outputs::new();
    bench.client.refuse(Request::GetTokens { owner: OTHER }, Refusal::NotAClient { node: CLIENT }, &mut out);
    let early: Vec<Output> = out.drain().collect();
    assert!(early.is_empty(), "neither started nor answered while the read is in progress: {early:?}");
    assert_eq!(bench.client.queued().count(), 1);
    bench.round_trip(SERVERS[0]);
    bench.round_trip(SERVERS[1]);
    let replies = bench.replies();
    assert!(
        matches!(replies[..], [Outcome::Tokens { owner: CLIENT, .. }, Outcome::Refused(Refusal::NotAClient { .. })]),
        "{replies:?}"
    );
    let position = |wanted: fn(&Output) -> bool| bench.pending.iter().position(wanted).expect("output present");
    let read_answered = position(|output| matches!(output, Output::Reply { id, .. } if id.sequence == 1));
    let refusal_started = position(|output| matches!(output, Output::Started { id, .. } if id.sequence == 2));
    assert!(read_answered < refusal_started, "the refusal starts once the read is answered: {:?}", bench.pending);
    assert!(bench.client.is_idle());
}

/// A client whose own replica installed its configuration asks itself, among others, to
/// repair the servers that never answer: a partition may leave its own replica the only
/// node on its side that holds the install (swarm seed 1523209).
#[test]
fn a_client_whose_own_replica_installed_the_configuration_asks_itself_to_repair() {
    let mut bench = Bench::new();
    bench.client.installed_here(Epoch(0));
    bench.submit(Request::GetTokens { owner: CLIENT });
    bench.round_trip(SERVERS[0]);
    let repair = |output: &Output| matches!(output, Output::Send { message: Message::Repair { .. }, .. });
    assert!(bench.lose_everything_until(|outputs| outputs.iter().any(repair)), "a repair was asked");
    let mut repaired_by: Vec<NodeId> = bench
        .pending
        .iter()
        .filter_map(|output| match output {
            Output::Send { to, message: Message::Repair { .. } } => Some(*to),
            _ => None,
        })
        .collect();
    repaired_by.sort_unstable();
    assert_eq!(repaired_by, vec![CLIENT, SERVERS[0]], "the server that answered, and its own replica");
}

/// A client whose servers all stay silent asks the other nodes of the world for their
/// configuration, by a read of nothing: it may hold a configuration whose servers have all
/// retired since and are cut off, while the servers in force on its side, which it never
/// heard of, are in reach (swarm seed 5750157). A replica of a newer configuration tells it
/// so, and the held-up read is redone there.
#[test]
fn a_client_whose_servers_all_stay_silent_asks_the_other_nodes_for_their_configuration() {
    let mut bench = Bench::new();
    bench.submit(Request::GetTokens { owner: CLIENT });
    let asks_other = |outputs: &[Output]| outputs.iter().any(|o| matches!(o, Output::Send { to: OTHER, .. }));
    assert!(bench.lose_everything_until(asks_other), "the client asked a node outside its configuration");
    let asked = bench.take_sends_to(OTHER);
    assert!(
        matches!(&asked[..], [Message::Read { epoch: Epoch(0), tokens: TokenSelection::Nothing, .. }]),
        "{asked:?}"
    );
    let newer = Config::new(Epoch(1), vec![OTHER, SERVERS[0], SERVERS[1]]);
    let mut replica = Server::new(OTHER, newer.clone(), vec![TokenValue::initial(CLIENT); 4]);
    let mut out = Outputs::new();
    replica.handle_message(Instant(0), CLIENT, &asked[0], &mut out);
    let told: Vec<Message> = out
        .drain()
        .filter_map(|output| match output {
            Output::Send { to: CLIENT, message } => Some(message),
            _ => None,
        })
        .collect();
    assert!(matches!(&told[..], [Message::NewConfig { config }] if **config == newer), "{told:?}");
    bench.pending.clear();
    bench.answer(OTHER, told);
    assert_eq!(bench.client.config(), &newer, "the client learned the newer configuration");
    let redone = bench
        .pending
        .iter()
        .filter(|o| matches!(o, Output::Send { message: Message::Read { epoch: Epoch(1), .. }, .. }));
    assert_eq!(redone.count(), newer.servers.len(), "the read is redone at the newer configuration's servers");
}

/// In a big world a held-up client asks a few nodes a wait, not all of them, and in turn
/// every one: 37 nodes outside its configuration are asked 16, 16 and then the last 5 (and
/// 11 again) in three waits.
#[test]
fn a_client_asks_a_big_world_around_a_few_nodes_a_wait_and_every_node_in_turn() {
    let mut bench = Bench::with_bystanders(36);
    bench.submit(Request::GetTokens { owner: CLIENT });
    let empty_reads = |outputs: &[Output]| -> Vec<NodeId> {
        outputs
            .iter()
            .filter_map(|output| match output {
                Output::Send { to, message: Message::Read { tokens: TokenSelection::Nothing, .. } } => Some(*to),
                _ => None,
            })
            .collect()
    };
    let mut asked: Vec<NodeId> = Vec::new();
    for wait in 1..=3 {
        assert!(bench.lose_everything_until(|outputs| !empty_reads(outputs).is_empty()), "ask {wait} came");
        let round = empty_reads(&bench.pending);
        assert_eq!(round.len(), 16, "ask {wait}: 16 nodes at once, got {round:?}");
        assert!(round.iter().all(|node| !SERVERS.contains(node) && *node != CLIENT), "{round:?}");
        asked.extend(round);
    }
    asked.sort_unstable();
    asked.dedup();
    assert_eq!(asked.len(), 37, "every node outside the configuration asked in three waits: {asked:?}");
}

/// Servers sealed in an older configuration say so; a client held up by them takes that
/// configuration over after its wait, and gives the takeover up as soon as a server answers
/// its seal with the client's own configuration (installed there after all), redoing its
/// read there.
#[test]
fn a_client_takes_over_the_configuration_its_servers_are_sealed_behind_until_told_it_moved_on() {
    use tokensim::protocol::Probe;
    let mut bench = Bench::new();
    let older = Config::new(Epoch(0), SERVERS.to_vec());
    let newer = Config::new(Epoch(1), SERVERS.to_vec());
    let mut out = Outputs::new();
    bench.client.learn_config(Instant(0), &newer, &mut out);
    bench.submit(Request::GetTokens { owner: CLIENT });
    for server in [SERVERS[0], SERVERS[1]] {
        bench.answer(server, vec![Message::SealedBehind { config: Box::new(older.clone()) }]);
    }
    let took_over = bench.lose_everything_until(|outputs| {
        outputs.iter().any(|output| matches!(output, Output::Probe(Probe::TookOverBehind)))
    });
    assert!(took_over && bench.client.is_taking_over(), "the client took over configuration 0");
    let seals = bench
        .pending
        .iter()
        .filter(|o| matches!(o, Output::Send { message: Message::Seal { epoch: Epoch(0), .. }, .. }));
    assert_eq!(seals.count(), SERVERS.len(), "it seals configuration 0 at its servers");
    bench.pending.clear();
    bench.answer(SERVERS[2], vec![Message::NewConfig { config: Box::new(newer) }]);
    assert!(!bench.client.is_taking_over(), "configuration 1 is installed at a server: the takeover is over");
    let reads = bench
        .pending
        .iter()
        .filter(|o| matches!(o, Output::Send { message: Message::Read { epoch: Epoch(1), .. }, .. }));
    assert_eq!(reads.count(), SERVERS.len(), "the read is redone in configuration 1");
}
